namespace ReferralNetwork.Hosting;

/// <summary>The <c>dotnet</c> executable used to run the service dlls.</summary>
public static class DotnetHost
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        // Prefer the host that runs us (set by the SDK under dotnet run/test), so children use the same runtime.
        var candidates = new List<string?>
        {
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            System.IO.Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath : null,
        };
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root))
        {
            candidates.Add(System.IO.Path.Combine(root, "dotnet"));
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => System.IO.Path.Combine(folder, "dotnet")));
        candidates.Add("/usr/share/dotnet/dotnet");
        candidates.Add("/usr/lib/dotnet/dotnet");
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c)) ?? "dotnet";
    }
}
