namespace ReferralNetwork.EventSourcing;

/// <summary>A command the aggregate's current state does not allow; the partner API answers 409.</summary>
public sealed class RuleViolation(string message) : Exception(message);

/// <summary>A command field that names something that does not exist or cannot be used; the partner API answers 422.</summary>
public sealed class InvalidCommand(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// No such thing, or not the caller's to see: the partner API answers 404 either way, so a partner
/// cannot learn that another organisation's referral exists.
/// </summary>
public sealed class NotVisible(string what) : Exception(Describe(what))
{
    public static string Describe(string what) => $"No {what} with that id is visible to you.";
}

/// <summary>The caller may see it but may not do this to it (only the referrer cancels, say); the partner API answers 403.</summary>
public sealed class NotPermitted(string message) : Exception(message);

/// <summary>The caller expected another version of the stream (If-Match); the partner API answers 409.</summary>
public sealed class VersionMismatch(long expected, long actual)
    : Exception($"If-Match expected version {expected} but it is at version {actual}. Read it again and retry.");

/// <summary>
/// A report that came before the one it builds on (a withdrawal before the arrival it withdraws): the
/// consumer retries it, so it is handled once the earlier message has been.
/// </summary>
public class ArrivedOutOfOrder(string message) : Exception(message);
