namespace ReferralNetwork.Web.Components.Forms;

/// <summary>Reads a date typed into the NHS.UK date input's three boxes, saying plainly what is wrong.</summary>
public static class DateParts
{
    /// <summary>The date, or null with the reason added to <paramref name="errors"/>; a date after <paramref name="today"/> is refused.</summary>
    public static DateOnly? Read(string? day, string? month, string? year, DateTimeOffset today, FormErrors errors, string field)
    {
        if (string.IsNullOrWhiteSpace(day) && string.IsNullOrWhiteSpace(month) && string.IsNullOrWhiteSpace(year))
        {
            errors.Add(field, "Enter the date of the session.");
            return null;
        }

        if (!int.TryParse(day?.Trim(), out var d) || !int.TryParse(month?.Trim(), out var m) || !int.TryParse(year?.Trim(), out var y)
            || y < 1900 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(Math.Clamp(y, 1, 9999), m))
        {
            errors.Add(field, "Enter a real date, with a day, a month and a four-digit year.");
            return null;
        }

        var date = new DateOnly(y, m, d);
        if (date > DateOnly.FromDateTime(today.DateTime))
        {
            errors.Add(field, "The date must be today or in the past.");
            return null;
        }

        return date;
    }
}
