using System.Globalization;
using System.Net;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.EndToEndTests;

/// <summary>Something of the tests' that the network calls over HTTP on loopback: a partner's webhook endpoint, a telemetry collector.</summary>
public abstract class LoopbackReceiver : IDisposable
{
    private readonly HttpListener listener = new();

    protected LoopbackReceiver(string path)
    {
        Url = $"http://127.0.0.1:{LoopbackPorts.FindFree().ToString(CultureInfo.InvariantCulture)}{path}";
        listener.Prefixes.Add(Url);
        listener.Start();
        _ = Task.Run(ListenAsync);
    }

    public string Url { get; }

    public void Dispose()
    {
        listener.Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>Reads the request and sets the response's status; the response is closed afterwards.</summary>
    protected abstract Task AnswerAsync(HttpListenerContext context);

    private async Task ListenAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            await AnswerAsync(context);
            context.Response.Close();
        }
    }
}
