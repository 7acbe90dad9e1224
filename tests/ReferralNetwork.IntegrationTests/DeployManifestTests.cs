using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

using ReferralNetwork.Hosting;

namespace ReferralNetwork.IntegrationTests;

/// <summary>
/// The Kubernetes manifests in deploy/ (issue 16), as kustomize renders them: hardened containers, every
/// required setting supplied, no secret in the repository, and network policies that allow exactly the
/// paths deploy/README.md describes. Needs kubectl (with its built-in kustomize) on the PATH; nothing
/// here talks to a cluster.
/// </summary>
public class DeployManifestTests
{
    public static TheoryData<string> Renders => ["base", "overlays/production"];

    private static readonly string[] Services = ["referrals", "linkworkers", "communityproviders", "feedback"];

    private static readonly string[] Programs = ["gateway", .. Services, "webapp"];

    /// <summary>What each program needs set, from the README's Configuration table and deploy/README.md.</summary>
    private static readonly Dictionary<string, string[]> Required = new()
    {
        ["referrals"] = ["ConnectionStrings__referralsdb", "ConnectionStrings__rabbitmq", "Auth__PublicKey"],
        ["linkworkers"] = ["ConnectionStrings__linkworkersdb", "ConnectionStrings__rabbitmq", "Auth__PublicKey"],
        ["communityproviders"] = ["ConnectionStrings__providersdb", "ConnectionStrings__rabbitmq", "Auth__PublicKey"],
        ["feedback"] = ["ConnectionStrings__feedbackdb", "ConnectionStrings__rabbitmq", "Auth__PublicKey"],
        ["gateway"] =
        [
            "ConnectionStrings__gatewaydb", "ConnectionStrings__rabbitmq", "Auth__PublicKey", "Auth__PrivateKey", "OPERATOR_CLIENT_SECRET",
            "People__CodeEncryptionKey",
            .. Services.Append("webapp").Select(s => $"ReverseProxy__Clusters__{s}__Destinations__primary__Address"),
            "People__Clients__referral-network-web__Secret", "People__Clients__referral-network-web__RedirectUris__0",
            "People__Clients__referral-network-web__PostLogoutRedirectUris__0", "People__Clients__referral-network-web__DisplayName",
            "TrustedProxies__Networks__0",
        ],
        ["webapp"] = ["Web__Gateway", "Web__ClientId", "Web__ClientSecret", "Web__TrustedProxies__0"],
    };

    /// <summary>Settings that are secrets: only ever from a Secret (secretKeyRef).</summary>
    private static readonly string[] SecretSettings =
        ["Auth__PrivateKey", "OPERATOR_CLIENT_SECRET", "People__CodeEncryptionKey", "People__Clients__referral-network-web__Secret", "Web__ClientSecret"];

    /// <summary>Settings for tests and loopback only, never deployed.</summary>
    private static readonly string[] Forbidden = ["Webhooks__AllowLoopbackReceivers", "People__AllowHttp", "Web__AllowHttp"];

    private static readonly Dictionary<string, string> DatabaseOf = new()
    {
        ["referrals"] = "referrals-db", ["linkworkers"] = "linkworkers-db", ["communityproviders"] = "providers-db",
        ["feedback"] = "feedback-db", ["gateway"] = "gateway-db",
    };

    [Theory]
    [MemberData(nameof(Renders))]
    public void Every_container_is_probed_limited_and_runs_unprivileged_on_a_read_only_filesystem(string render)
    {
        var deployments = Render(render).Where(r => Kind(r) == "Deployment").ToList();
        Assert.Equal(Programs.Append("otel-collector").Order(StringComparer.Ordinal), deployments.Select(Name).Order(StringComparer.Ordinal));
        var problems = new List<string>();
        foreach (var deployment in deployments)
        {
            var pod = deployment["spec"]!["template"]!["spec"]!;
            var where = $"Deployment {Name(deployment)}";
            Expect(Text(pod["automountServiceAccountToken"]) == "false", $"{where}: automountServiceAccountToken is not false");
            foreach (var container in Items(pod["containers"]))
            {
                var at = $"{where}, container {Text(container["name"])}";
                foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    Expect(container[probe] is JsonObject, $"{at}: no {probe}");
                }

                foreach (var bound in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        Expect(Text(container["resources"]?[bound]?[resource]) is { Length: > 0 }, $"{at}: no {bound}.{resource}");
                    }
                }

                var security = container["securityContext"];
                Expect(Text(security?["runAsNonRoot"] ?? pod["securityContext"]?["runAsNonRoot"]) == "true", $"{at}: not runAsNonRoot");
                Expect(Text(security?["readOnlyRootFilesystem"]) == "true", $"{at}: root filesystem not read-only");
                Expect(Text(security?["allowPrivilegeEscalation"]) == "false", $"{at}: allowPrivilegeEscalation not false");
                Expect(Items(security?["capabilities"]?["drop"]).Select(Text).Contains("ALL"), $"{at}: capabilities not dropped");
                Expect(Text(security?["seccompProfile"]?["type"] ?? pod["securityContext"]?["seccompProfile"]?["type"]) == "RuntimeDefault", $"{at}: no RuntimeDefault seccomp profile");
                var tmp = Items(container["volumeMounts"]).FirstOrDefault(m => Text(m["mountPath"]) == "/tmp");
                Expect(tmp is not null && Items(pod["volumes"]).Any(v => Text(v["name"]) == Text(tmp["name"]) && v["emptyDir"] is not null),
                    $"{at}: no emptyDir at /tmp");
                if (Programs.Contains(Name(deployment)))
                {
                    Expect(Text(security?["runAsUser"]) == "1654", $"{at}: not the .NET images' app user (1654)");
                    Expect(Text(container["image"])!.Contains($"referral-network/{Name(deployment)}", StringComparison.Ordinal), $"{at}: image is {Text(container["image"])}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));

        void Expect(bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Every_required_setting_is_supplied_secrets_only_from_secrets(string render)
    {
        var resources = Render(render);
        var problems = new List<string>();
        foreach (var program in Programs)
        {
            var deployment = resources.Single(r => Kind(r) == "Deployment" && Name(r) == program);
            var ordered = Environment(resources, deployment);
            var env = ordered.GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value);
            var where = $"Deployment {program}";
            foreach (var setting in Required[program].Concat(["ASPNETCORE_HTTP_PORTS", "OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                if (!env.ContainsKey(setting))
                {
                    problems.Add($"{where}: {setting} is not set");
                }
            }

            foreach (var setting in Forbidden.Where(env.ContainsKey))
            {
                problems.Add($"{where}: {setting} must never be set in a deployment");
            }

            foreach (var setting in SecretSettings.Append("Auth__PublicKey").Where(env.ContainsKey))
            {
                if (env[setting].SecretRef is null)
                {
                    problems.Add($"{where}: {setting} is not from a Secret (secretKeyRef)");
                }
            }

            // A $(VAR) in a value expands only when VAR is defined before it; anything else stays literal.
            for (var i = 0; i < ordered.Count; i++)
            {
                var (name, value) = ordered[i];
                foreach (Match reference in Regex.Matches(value.Value ?? "", @"\$\(([A-Za-z0-9_.-]+)\)"))
                {
                    var target = reference.Groups[1].Value;
                    if (!ordered.Take(i).Any(s => s.Key == target))
                    {
                        problems.Add($"{where}: {name} refers to $({target}), not defined before it");
                    }
                }
            }

            if (DatabaseOf.TryGetValue(program, out var cluster))
            {
                var database = Required[program].Single(s => s.EndsWith("db", StringComparison.Ordinal))["ConnectionStrings__".Length..];
                var connection = env[$"ConnectionStrings__{database}"].Value ?? "";
                foreach (var part in new[] { "Host", "Database", "Username", "Password" })
                {
                    var variable = Regex.Match(connection, $@"(?:^|;){part}=\$\(([A-Z_]+)\)");
                    if (!variable.Success || env[variable.Groups[1].Value].SecretRef != $"{cluster}-app")
                    {
                        problems.Add($"{where}: the {part} of ConnectionStrings__{database} is not from CloudNativePG's secret {cluster}-app");
                    }
                }

                if (!connection.Contains("SSL Mode=VerifyFull", StringComparison.Ordinal))
                {
                    problems.Add($"{where}: ConnectionStrings__{database} does not verify the server's certificate");
                }

                var broker = env["ConnectionStrings__rabbitmq"].Value ?? "";
                var password = Regex.Match(broker, @"^amqps?://\$\(([A-Z_]+)\):\$\(([A-Z_]+)\)@");
                if (!password.Success || env[password.Groups[1].Value].SecretRef != $"rabbitmq-{program}" || env[password.Groups[2].Value].SecretRef != $"rabbitmq-{program}")
                {
                    problems.Add($"{where}: ConnectionStrings__rabbitmq is not as its own broker user (Secret rabbitmq-{program})");
                }
            }

            if (program != "webapp")
            {
                if (env.GetValueOrDefault("BackgroundWork__Mode")?.Value != "leader")
                {
                    problems.Add($"{where}: BackgroundWork__Mode is not leader");
                }
            }

            if (!(env["OTEL_EXPORTER_OTLP_ENDPOINT"].Value ?? "").StartsWith("http://otel-collector:", StringComparison.Ordinal))
            {
                problems.Add($"{where}: OTEL_EXPORTER_OTLP_ENDPOINT is not the collector");
            }

            var replicas = Text(deployment["spec"]!["replicas"]);
            var expected = program == "webapp" ? "1" : render == "base" || program != "gateway" ? "2" : "3";
            if (replicas != expected)
            {
                problems.Add($"{where}: {replicas} replicas, expected {expected}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Nothing_secret_is_in_the_repository(string render)
    {
        var resources = Render(render);
        var problems = new List<string>();
        foreach (var secret in resources.Where(r => Kind(r) == "Secret"))
        {
            problems.Add($"Secret {Name(secret)} is in the manifests: Secrets are the operator's to create (deploy/README.md)");
        }

        foreach (var resource in resources)
        {
            foreach (var (path, value) in Scalars(resource, ""))
            {
                var where = $"{Kind(resource)} {Name(resource)} at {path}";
                if (value.Contains("PRIVATE KEY", StringComparison.Ordinal))
                {
                    problems.Add($"{where}: a private key");
                }

                if (Regex.IsMatch(value, "[A-Za-z0-9+/]{32,}={0,2}"))
                {
                    problems.Add($"{where}: something that looks like a key or a password ({value[..Math.Min(12, value.Length)]}…)");
                }

                if (Regex.Match(value, @"(?i)password=([^;]*)") is { Success: true } password && !Regex.IsMatch(password.Groups[1].Value, @"^\$\([A-Z_]+\)$"))
                {
                    problems.Add($"{where}: a password in a connection string");
                }

                if (Regex.Match(value, @"://[^/@\s]*:([^/@\s]*)@") is { Success: true } credential && !Regex.IsMatch(credential.Groups[1].Value, @"^\$\([A-Z_]+\)$"))
                {
                    problems.Add($"{where}: a password in an address");
                }
            }
        }

        foreach (var deployment in resources.Where(r => Kind(r) == "Deployment"))
        {
            foreach (var container in Items(deployment["spec"]!["template"]!["spec"]!["containers"]))
            {
                foreach (var variable in Items(container["env"]))
                {
                    var name = Text(variable["name"])!;
                    if (Regex.IsMatch(name, "(?i)secret|password|privatekey|encryptionkey") && variable["value"] is not null)
                    {
                        problems.Add($"Deployment {Name(deployment)}: {name} has a value of its own instead of a secretKeyRef");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Scaling_disruption_budgets_ingress_and_the_data_stores_are_as_described(string render)
    {
        var resources = Render(render);
        var production = render != "base";
        foreach (var program in Programs)
        {
            var hpa = resources.SingleOrDefault(r => Kind(r) == "HorizontalPodAutoscaler" && Name(r) == program);
            var pdb = resources.SingleOrDefault(r => Kind(r) == "PodDisruptionBudget" && Name(r) == program);
            if (program == "webapp")
            {
                Assert.True(hpa is null && pdb is null, "the web app runs one replica (sessions in memory): no autoscaler or disruption budget");
                continue;
            }

            Assert.True(hpa is not null, $"no HorizontalPodAutoscaler for {program}");
            Assert.Equal("autoscaling/v2", Text(hpa["apiVersion"]));
            Assert.True(int.Parse(Text(hpa["spec"]!["minReplicas"])!) >= 2, $"HorizontalPodAutoscaler {program}: minReplicas below 2");
            Assert.Equal("cpu", Text(hpa["spec"]!["metrics"]![0]!["resource"]!["name"]));
            Assert.True(pdb is not null, $"no PodDisruptionBudget for {program}");
            Assert.Equal("1", Text(pdb["spec"]!["minAvailable"]));
            Assert.Equal(program, Text(pdb["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]));
        }

        var ingress = resources.Single(r => Kind(r) == "Ingress");
        Assert.Equal("nginx", Text(ingress["spec"]!["ingressClassName"]));
        var host = Text(ingress["spec"]!["rules"]![0]!["host"])!;
        Assert.Contains(host, Items(ingress["spec"]!["tls"]![0]!["hosts"]).Select(Text));
        Assert.False(string.IsNullOrEmpty(Text(ingress["spec"]!["tls"]![0]!["secretName"])), "Ingress: no TLS secret");
        var backends = Items(ingress["spec"]!["rules"]).SelectMany(r => Items(r["http"]!["paths"])).Select(p => Text(p["backend"]!["service"]!["name"])).Distinct();
        Assert.Equal(new[] { "gateway" }, backends);
        // The public address is the same wherever it is named.
        var gatewayConfig = resources.Single(r => Kind(r) == "ConfigMap" && Name(r) == "gateway")["data"]!;
        var webConfig = resources.Single(r => Kind(r) == "ConfigMap" && Name(r) == "webapp")["data"]!;
        Assert.Equal($"https://{host}", Text(webConfig["Web__Gateway"]));
        Assert.Equal($"https://{host}/app/signin-oidc", Text(gatewayConfig["People__Clients__referral-network-web__RedirectUris__0"]));
        Assert.Equal($"https://{host}/app/signout-callback-oidc", Text(gatewayConfig["People__Clients__referral-network-web__PostLogoutRedirectUris__0"]));
        if (production)
        {
            Assert.Equal("referrals.example.nhs.uk", host);
        }

        var databases = resources.Where(r => Kind(r) == "Cluster" && Text(r["apiVersion"]) == "postgresql.cnpg.io/v1").ToList();
        Assert.Equal(DatabaseOf.Values.Order(), databases.Select(Name).Order());
        foreach (var (program, cluster) in DatabaseOf)
        {
            var spec = databases.Single(d => Name(d) == cluster)["spec"]!;
            var database = Required[program].Single(s => s.EndsWith("db", StringComparison.Ordinal))["ConnectionStrings__".Length..];
            Assert.Equal(database, Text(spec["bootstrap"]!["initdb"]!["database"]));
            Assert.Equal(program, Text(spec["bootstrap"]!["initdb"]!["owner"]));
            Assert.Equal(production ? "3" : "1", Text(spec["instances"]));
            if (production)
            {
                Assert.Equal("1", Text(spec["postgresql"]?["synchronous"]?["number"]));
            }
        }

        var broker = resources.Single(r => Kind(r) == "RabbitmqCluster");
        Assert.Equal("3", Text(broker["spec"]!["replicas"]));
        Assert.Matches(@"^rabbitmq:4\.\d+\.\d+-management$", Text(broker["spec"]!["image"]));
        foreach (var user in DatabaseOf.Keys)
        {
            var account = resources.Single(r => Kind(r) == "User" && Name(r) == user);
            Assert.Equal($"rabbitmq-{user}", Text(account["spec"]!["importCredentialsSecret"]!["name"]));
            Assert.Empty(Items(account["spec"]!["tags"]));
            var permissions = resources.Single(r => Kind(r) == "Permission" && Name(r) == user)["spec"]!["permissions"]!;
            foreach (var permission in new[] { "configure", "write", "read" })
            {
                // Anchored, and its own names first: ^(user-.*|…)$.
                Assert.Matches($@"^\^\({Regex.Escape(Regex.Escape(user + "-"))}\.\*(\||\)\$$)", Text(permissions[permission]));
                Assert.EndsWith(")$", Text(permissions[permission]));
            }
        }

        // Every consumer queue is declared before the services run, as MassTransit would: its own fanout
        // exchange bound to it, event exchanges bound to that; and its service's user may bind from each.
        var queues = resources.Where(r => Kind(r) == "Queue").ToList();
        Assert.NotEmpty(queues);
        foreach (var queue in queues)
        {
            var name = Text(queue["spec"]!["name"])!;
            var owner = Services.SingleOrDefault(s => name.StartsWith(s + "-", StringComparison.Ordinal));
            Assert.True(owner is not null, $"Queue {name} belongs to no service");
            Assert.Equal("quorum", Text(queue["spec"]!["type"]));
            // The arguments MassTransit declares the queue with, or the consuming service is refused (406).
            var arguments = queue["spec"]!["arguments"]!.AsObject().ToDictionary(a => a.Key, a => Text(a.Value)!);
            arguments["x-queue-type"] = "quorum";
            Assert.Equal(
                BrokerTopology.ConsumerQueueArguments(name).ToDictionary(a => a.Key, a => Convert.ToString(a.Value, System.Globalization.CultureInfo.InvariantCulture)!.ToLowerInvariant()).OrderBy(a => a.Key),
                arguments.OrderBy(a => a.Key));
            Assert.Contains(resources, r => Kind(r) == "Exchange" && Text(r["spec"]!["name"]) == name && Text(r["spec"]!["type"]) == "fanout");
            Assert.Contains(resources, r => Kind(r) == "Binding" && Text(r["spec"]!["source"]) == name && Text(r["spec"]!["destination"]) == name
                && Text(r["spec"]!["destinationType"]) == "queue");
            var read = Text(resources.Single(r => Kind(r) == "Permission" && Name(r) == owner)["spec"]!["permissions"]!["read"])!;
            var events = resources.Where(r => Kind(r) == "Binding" && Text(r["spec"]!["destination"]) == name && Text(r["spec"]!["destinationType"]) == "exchange")
                .Select(r => Text(r["spec"]!["source"])!).ToList();
            Assert.NotEmpty(events);
            foreach (var exchange in events)
            {
                Assert.True(Regex.IsMatch(exchange, read), $"Queue {name} is bound from {exchange}, which {owner}'s broker user may not read");
                Assert.Contains(resources, r => Kind(r) == "Exchange" && Text(r["spec"]!["name"]) == exchange);
            }
        }

        // The community providers' credential cannot bind from ReferralRequested, which carries NHS numbers.
        var providersRead = Text(resources.Single(r => Kind(r) == "Permission" && Name(r) == "communityproviders")["spec"]!["permissions"]!["read"])!;
        Assert.DoesNotMatch(providersRead, "ReferralNetwork.Contracts.Referrals:ReferralRequested");
        Assert.Matches(providersRead, "ReferralNetwork.Contracts.LinkWorkers:OnwardReferralRequested");
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public void Network_policies_allow_exactly_the_described_paths(string render)
    {
        var policies = Render(render).Where(r => Kind(r) == "NetworkPolicy").ToList();
        List<Endpoint> peers =
        [
            Pod("ingress-nginx", "app.kubernetes.io/name", "ingress-nginx"),
            Pod("cnpg-system", "app.kubernetes.io/name", "cloudnative-pg"),
            Pod("rabbitmq-system", "app.kubernetes.io/name", "rabbitmq-cluster-operator"),
            Pod("default", "app", "elsewhere"),
            Pod(Namespace, "app", "unlabelled-debug-pod"),
            Pod(Namespace, "app.kubernetes.io/name", "otel-collector"),
            Pod(Namespace, "app.kubernetes.io/name", "rabbitmq"),
            .. Programs.Select(p => Pod(Namespace, "app.kubernetes.io/name", p)),
            .. DatabaseOf.Values.Select(c => Pod(Namespace, "cnpg.io/cluster", c)),
            Address("internet", "203.0.113.10"),
            Address("apiserver", "192.0.2.1"),
            Address("private-10", "10.1.2.3"),
            Address("private-172", "172.16.4.5"),
            Address("private-192", "192.168.1.1"),
            Address("metadata", "169.254.169.254"),
        ];
        int[] ports = [22, 80, 443, 4317, 4318, 4369, 5432, 5672, 6443, 8000, 8080, 15672, 25672];

        var expected = new HashSet<string> { "ingress-nginx -> gateway:8080" };
        foreach (var target in Services.Append("webapp"))
        {
            expected.Add($"gateway -> {target}:8080");
        }

        foreach (var (program, cluster) in DatabaseOf)
        {
            expected.Add($"{program} -> {cluster}:5432");
            expected.Add($"{program} -> rabbitmq:5672");
            expected.Add($"{cluster} -> {cluster}:5432");
            expected.Add($"cnpg-system -> {cluster}:5432");
            expected.Add($"cnpg-system -> {cluster}:8000");
            expected.Add($"{cluster} -> apiserver:443");
            expected.Add($"{cluster} -> apiserver:6443");
        }

        foreach (var program in Programs)
        {
            expected.Add($"{program} -> otel-collector:4317");
            expected.Add($"{program} -> otel-collector:4318");
        }

        expected.Add("referrals -> internet:443");
        // The placeholder API address is a public one, which the webhook rule lets referrals reach like any receiver.
        expected.Add("referrals -> apiserver:443");
        expected.Add("webapp -> ingress-nginx:443");
        expected.UnionWith(["rabbitmq -> rabbitmq:4369", "rabbitmq -> rabbitmq:25672", "rabbitmq-system -> rabbitmq:15672", "rabbitmq -> apiserver:443", "rabbitmq -> apiserver:6443"]);

        var allowed = new HashSet<string>();
        foreach (var from in peers.Where(p => p.Ip is null))
        {
            // Paths between two places outside the namespace are not these policies' business.
            foreach (var to in peers.Where(p => from.Namespace == Namespace || p.Namespace == Namespace))
            {
                foreach (var port in ports)
                {
                    if (Allowed(policies, from, to, port, "TCP"))
                    {
                        allowed.Add($"{from.Label} -> {to.Label}:{port}");
                    }
                }
            }
        }

        var unexpected = allowed.Except(expected).Order().ToList();
        var missing = expected.Except(allowed).Order().ToList();
        Assert.True(unexpected.Count == 0 && missing.Count == 0,
            $"NetworkPolicies allow paths not described: [{string.Join(", ", unexpected)}]; and refuse paths described: [{string.Join(", ", missing)}]");

        // And every pod of ours may ask the cluster's DNS.
        var dns = Pod("kube-system", "k8s-app", "kube-dns");
        foreach (var pod in peers.Where(p => p.Namespace == Namespace))
        {
            Assert.True(Allowed(policies, pod, dns, 53, "UDP"), $"{pod.Label} cannot resolve names");
        }
    }

    // ---- Network policy semantics (networking.k8s.io/v1), enough for the selectors and peers used here ----

    private const string Namespace = "referral-network";

    private sealed record Endpoint(string Label, string? Namespace, Dictionary<string, string> Labels, IPAddress? Ip);

    private static Endpoint Pod(string ns, string key, string value) =>
        new(value switch { "ingress-nginx" => "ingress-nginx", "cloudnative-pg" => "cnpg-system", "rabbitmq-cluster-operator" => "rabbitmq-system", _ => value },
            ns, new() { [key] = value }, null);

    private static Endpoint Address(string label, string ip) => new(label, null, [], IPAddress.Parse(ip));

    /// <summary>Egress is checked where the source is ours, ingress where the destination is ours.</summary>
    private static bool Allowed(List<JsonNode> policies, Endpoint from, Endpoint to, int port, string protocol) =>
        (from.Namespace != Namespace || Permits(policies, "Egress", from, to, port, protocol))
        && (to.Namespace != Namespace || Permits(policies, "Ingress", to, from, port, protocol));

    private static bool Permits(List<JsonNode> policies, string direction, Endpoint pod, Endpoint peer, int port, string protocol)
    {
        var applying = policies
            .Where(p => Items(p["spec"]!["policyTypes"]).Select(Text).Contains(direction) && Selects(p["spec"]!["podSelector"], pod.Labels))
            .ToList();
        if (applying.Count == 0)
        {
            return true;
        }

        var (rules, peersKey) = direction == "Egress" ? ("egress", "to") : ("ingress", "from");
        return applying.SelectMany(p => Items(p["spec"]![rules])).Any(rule =>
            (rule[peersKey] is null || Items(rule[peersKey]).Any(p => PeerMatches(p, peer)))
            && (rule["ports"] is null || Items(rule["ports"]).Any(p => PortMatches(p, port, protocol))));
    }

    private static bool PeerMatches(JsonNode peer, Endpoint endpoint)
    {
        if (peer["ipBlock"] is { } block)
        {
            return endpoint.Ip is { } ip && InNetwork(ip, Text(block["cidr"])!) && !Items(block["except"]).Any(e => InNetwork(ip, Text(e)!));
        }

        if (endpoint.Namespace is null)
        {
            return false;
        }

        var namespaceMatches = peer["namespaceSelector"] is { } namespaces
            ? Selects(namespaces, new() { ["kubernetes.io/metadata.name"] = endpoint.Namespace })
            : endpoint.Namespace == Namespace;
        return namespaceMatches && (peer["podSelector"] is not { } pods || Selects(pods, endpoint.Labels));
    }

    private static bool InNetwork(IPAddress ip, string cidr) => IPNetwork.Parse(cidr).Contains(ip);

    private static bool PortMatches(JsonNode rule, int port, string protocol)
    {
        if ((Text(rule["protocol"]) ?? "TCP") != protocol)
        {
            return false;
        }

        if (Text(rule["port"]) is not { } first)
        {
            return true;
        }

        // Named ports are not used here; a name would need the pod's container ports.
        var low = int.Parse(first);
        var high = Text(rule["endPort"]) is { } end ? int.Parse(end) : low;
        return port >= low && port <= high;
    }

    private static bool Selects(JsonNode? selector, Dictionary<string, string> labels)
    {
        if (selector is null)
        {
            return true;
        }

        var byLabel = selector["matchLabels"] is JsonObject match
            && match.Any(l => !labels.TryGetValue(l.Key, out var v) || v != Text(l.Value));
        if (byLabel)
        {
            return false;
        }

        return Items(selector["matchExpressions"]).All(e =>
        {
            var key = Text(e["key"])!;
            var values = Items(e["values"]).Select(Text).ToList();
            var has = labels.TryGetValue(key, out var value);
            return Text(e["operator"]) switch
            {
                "In" => has && values.Contains(value),
                "NotIn" => !has || !values.Contains(value),
                "Exists" => has,
                "DoesNotExist" => !has,
                var other => throw new InvalidOperationException($"selector operator {other}"),
            };
        });
    }

    // ---- Rendering and reading ----

    private sealed record Setting(string? Value, string? SecretRef);

    /// <summary>A container's environment in order: its ConfigMaps (envFrom) first, then env; a later one wins.</summary>
    private static List<KeyValuePair<string, Setting>> Environment(List<JsonNode> resources, JsonNode deployment)
    {
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var settings = new List<KeyValuePair<string, Setting>>();
        foreach (var source in Items(container["envFrom"]))
        {
            var name = Text(source["configMapRef"]?["name"]) ?? throw new InvalidOperationException($"Deployment {Name(deployment)}: envFrom other than a ConfigMap");
            var map = resources.SingleOrDefault(r => Kind(r) == "ConfigMap" && Name(r) == name)
                ?? throw new InvalidOperationException($"Deployment {Name(deployment)}: ConfigMap {name} is not in the manifests");
            foreach (var (key, value) in map["data"]!.AsObject())
            {
                settings.Add(KeyValuePair.Create(key, new Setting(Text(value), null)));
            }
        }

        foreach (var variable in Items(container["env"]))
        {
            var name = Text(variable["name"])!;
            settings.Add(KeyValuePair.Create(name, new Setting(Text(variable["value"]), Text(variable["valueFrom"]?["secretKeyRef"]?["name"]))));
        }

        return settings;
    }

    private static readonly Dictionary<string, List<JsonNode>> Rendered = [];

    private static List<JsonNode> Render(string path)
    {
        lock (Rendered)
        {
            if (!Rendered.TryGetValue(path, out var resources))
            {
                resources = Parse(Kustomize(path));
                Rendered[path] = resources;
            }

            return resources;
        }
    }

    private static string Kustomize(string path)
    {
        var directory = Path.Combine(RepositoryRoot(), "deploy", path);
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kubectl is not on the PATH: these tests render deploy/ with `kubectl kustomize` (Debian package kubectl).", e);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed: {error.Result}");
            return output;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "deploy", "base")) && File.Exists(Path.Combine(directory.FullName, "ReferralNetwork.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no repository with deploy/base above {AppContext.BaseDirectory}");
    }

    /// <summary>Every document as JSON, scalars as strings (all the checks compare text).</summary>
    private static List<JsonNode> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonNode>()];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Value: null } => null,
        YamlScalarNode { Value: "null", Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static IEnumerable<(string Path, string Value)> Scalars(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Scalars(p.Value, $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => Scalars(item, $"{path}[{i}]")),
        JsonValue v => [(path, v.GetValue<string>())],
        _ => [],
    };

    private static string? Text(JsonNode? node) => node is JsonValue value ? value.GetValue<string>() : null;

    private static IEnumerable<JsonNode> Items(JsonNode? node) => node is JsonArray array ? array.OfType<JsonNode>() : [];

    private static string Kind(JsonNode resource) => Text(resource["kind"])!;

    private static string Name(JsonNode resource) => Text(resource["metadata"]!["name"])!;
}
