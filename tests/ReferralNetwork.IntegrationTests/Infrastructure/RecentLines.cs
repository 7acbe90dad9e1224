namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>The last N lines of a child process's output, kept in memory so failures can quote the log tail.</summary>
public sealed class RecentLines(int capacity = 500)
{
    private readonly Queue<string> lines = new(capacity);
    private readonly Lock gate = new();

    public void Add(string line)
    {
        lock (gate)
        {
            if (lines.Count == capacity)
            {
                lines.Dequeue();
            }
            lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (gate)
        {
            return [.. lines];
        }
    }

    /// <summary>The last <paramref name="count"/> lines as one indented block for error messages.</summary>
    public string Tail(int count = 40)
    {
        var snapshot = Snapshot();
        var tail = snapshot.Skip(Math.Max(0, snapshot.Count - count));
        var text = string.Join(Environment.NewLine, tail.Select(l => "    " + l));
        return text.Length == 0 ? "    (no output)" : text;
    }
}
