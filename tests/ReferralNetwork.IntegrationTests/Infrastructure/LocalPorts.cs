using System.Net;
using System.Net.Sockets;
using ReferralNetwork.Hosting;

namespace ReferralNetwork.IntegrationTests.Infrastructure;

/// <summary>
/// What the tests' servers need of ports on 127.0.0.1 beyond <see cref="LoopbackPorts.FindFree"/>:
/// several distinct free ones, and a check before binding one.
/// </summary>
public static class LocalPorts
{
    /// <summary>A free port different from every port in <paramref name="taken"/>.</summary>
    public static int FindFreeExcept(IReadOnlyCollection<int> taken)
    {
        while (true)
        {
            var port = LoopbackPorts.FindFree();
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
