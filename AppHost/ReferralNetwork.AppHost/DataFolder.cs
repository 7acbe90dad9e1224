using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.AppHost;

/// <summary>
/// Where the local network keeps its state: the PostgreSQL cluster, the broker's node, and the
/// secrets that must survive restarts (the token signing key, the operator's secret, server passwords).
/// </summary>
public sealed class DataFolder(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>
    /// The repository's .data folder, unless PostgreSQL's OS user (which it runs as when we are root)
    /// cannot reach it, as under /root: then a folder under /var/tmp, stable per repository.
    /// </summary>
    public static async Task<DataFolder> ChooseAsync(string? requested, bool ownPostgres)
    {
        if (requested is not null)
        {
            return new DataFolder(requested);
        }
        var repositoryRoot = FindRepositoryRoot(AppContext.BaseDirectory);
        var inRepository = System.IO.Path.Combine(repositoryRoot, ".data");
        if (!ownPostgres || await PostgresCluster.IsReachableByServerUserAsync(inRepository))
        {
            return new DataFolder(inRepository);
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repositoryRoot)))[..8];
        var fallback = System.IO.Path.Combine("/var/tmp/referral-network", hash);
        Console.WriteLine(
            $"[apphost] running as root and the '{PostgresCluster.ServerOsUser}' OS user cannot reach {repositoryRoot}, " +
            $"so the data folder is {fallback} instead of {inRepository}");
        return new DataFolder(fallback);
    }

    /// <summary>A secret kept in <c>secrets/</c>, readable by its owner only; generated on first use.</summary>
    public string Secret(string name)
    {
        var folder = System.IO.Path.Combine(Path, "secrets");
        Directory.CreateDirectory(folder);
        UnixProcesses.SetFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = System.IO.Path.Combine(folder, name);
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }
        // URL-safe, so it can stand in an amqp:// URI or a connection string without escaping.
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        WriteOwnerOnly(file, secret);
        return secret;
    }

    /// <summary>Written under a temporary name and moved, so a crash never leaves half a secret behind.</summary>
    public static void WriteOwnerOnly(string file, string content)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, content);
        UnixProcesses.SetFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Walks up from <paramref name="startDirectory"/> to the folder holding ReferralNetwork.sln.</summary>
    public static string FindRepositoryRoot(string startDirectory)
    {
        for (var folder = new DirectoryInfo(startDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "ReferralNetwork.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No ReferralNetwork.sln in {startDirectory} or any folder above it.");
    }
}
