using System.Globalization;

namespace ReferralNetwork.Referrals.Feed;

/// <summary>
/// The feed cursor: the position of the last entry a reader has seen, as decimal digits. Partners
/// treat it as opaque; positions are global event sequence × <see cref="PositionsPerEvent"/> + the
/// entry's index within that event for that reader.
/// </summary>
public static class FeedCursor
{
    /// <summary>Room for one event plus the earlier events a newly assigned link-worker service catches up on.</summary>
    public const long PositionsPerEvent = 10_000;

    public const long Start = 0;

    public static long PositionOf(long sequence, int indexWithinEvent) => checked((sequence * PositionsPerEvent) + indexWithinEvent);

    public static string Format(long position) => position.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads an "after" cursor; absent means the start of the feed. False when malformed.</summary>
    public static bool TryParse(string? cursor, out long position)
    {
        position = Start;
        if (cursor is null || cursor.Length == 0)
        {
            return true;
        }

        // Digits only: no sign, spaces or exponents, so a cursor has exactly one spelling.
        if (cursor.Length > 19 || !cursor.All(char.IsAsciiDigit))
        {
            return false;
        }

        return long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out position);
    }
}
