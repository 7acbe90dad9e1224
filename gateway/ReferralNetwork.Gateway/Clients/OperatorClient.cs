using System.Security.Cryptography;
using System.Text;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.Gateway.Clients;

/// <summary>
/// The network operator's client. It is not registered like a partner: its secret is the gateway's
/// OPERATOR_CLIENT_SECRET, and it has a fixed, well-known organisation id so services can recognise
/// the operator's actions in their logs and timelines.
/// </summary>
public sealed class OperatorClient(IConfiguration configuration)
{
    public const string ClientId = "operator";
    public const string SecretSetting = "OPERATOR_CLIENT_SECRET";
    public const string Name = "Referral network operator";

    /// <summary>The operator acts across every area.</summary>
    public const string Area = "*";

    public static readonly Guid OrganisationId = new("00000000-0000-0000-0000-000000000001");

    public static TokenSubject Subject => new(OrganisationId, OrganisationKind.Operator, Area, Name, ClientId, 0);

    /// <summary>False when no secret is configured: the operator client is then disabled rather than open.</summary>
    public bool Accepts(string presentedSecret)
    {
        var configured = configuration[SecretSetting];
        if (string.IsNullOrEmpty(configured))
        {
            return false;
        }

        // Hashing first gives equal lengths, so the comparison is constant-time whatever was sent.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presentedSecret)),
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
    }
}
