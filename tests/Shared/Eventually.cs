namespace ReferralNetwork.Testing;

/// <summary>Polls until a probe yields a value: messages cross the broker, and the network settles, asynchronously.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, int seconds = 45)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {seconds} s waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    public static Task<T> GetAsync<T>(Func<T?> probe, string what, int seconds = 45) => GetAsync(() => Task.FromResult(probe()), what, seconds);
}
