using System.Net;
using System.Net.Sockets;

namespace ReferralNetwork.Hosting;

/// <summary>Finds TCP ports on 127.0.0.1, where every local resource listens.</summary>
public static class LoopbackPorts
{
    /// <summary>A port that was free a moment ago (the OS picks it from the ephemeral range).</summary>
    /// <remarks>
    /// Nothing holds the port afterwards, so another process could take it before we bind it;
    /// the ephemeral range is large enough that this is rare, and binding then fails loudly.
    /// </remarks>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
