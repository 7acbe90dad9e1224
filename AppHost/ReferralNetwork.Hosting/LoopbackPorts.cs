using System.Net;
using System.Net.Sockets;

namespace ReferralNetwork.Hosting;

/// <summary>Finds and checks TCP ports on 127.0.0.1, where every local resource listens.</summary>
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

    /// <summary>A free port different from every port in <paramref name="taken"/>.</summary>
    public static int FindFree(IReadOnlyCollection<int> taken)
    {
        while (true)
        {
            var port = FindFree();
            if (!taken.Contains(port))
            {
                return port;
            }
        }
    }

    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/> right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            // Same semantics as the servers we start: a port in TIME_WAIT is usable, a listener is not.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
