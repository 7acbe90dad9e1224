namespace ReferralNetwork.Hosting.Dashboard;

/// <summary>The dashboard's single page, embedded so the AppHost needs no files beside its dll.</summary>
internal static class DashboardPage
{
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("ReferralNetwork.Hosting.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
