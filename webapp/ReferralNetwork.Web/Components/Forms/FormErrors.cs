using ReferralNetwork.Web.Network;

namespace ReferralNetwork.Web.Components.Forms;

/// <summary>
/// A form's errors: a message per field, shown next to it and in the summary at the top of the page, and one
/// for the form as a whole. Filled by the form's own checks before anything is sent, and from the partner
/// API's problem details when it refuses (its <c>errors</c> are keyed by the field names of the request body).
/// </summary>
public sealed class FormErrors
{
    private readonly List<(string Field, string Message)> fields = [];

    /// <summary>What went wrong that no single field explains (a conflict, the network unreachable).</summary>
    public string? General { get; private set; }

    public bool Any => General is not null || fields.Count > 0;

    public IReadOnlyList<(string Field, string Message)> Fields => fields;

    public string? For(string field) => fields.FirstOrDefault(f => f.Field == field).Message;

    public void Clear()
    {
        fields.Clear();
        General = null;
    }

    public void Add(string field, string message)
    {
        if (For(field) is null)
        {
            fields.Add((field, message));
        }
    }

    /// <summary>Checks a required text and its length, as the partner API will.</summary>
    public string? RequireText(string field, string? value, int maxLength, string missing)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            Add(field, missing);
            return null;
        }

        if (text.Length > maxLength)
        {
            Add(field, $"Must be {maxLength} characters or fewer (it is {text.Length}).");
            return null;
        }

        return text;
    }

    /// <summary>
    /// The API's refusal. A field error whose name this form shows goes next to that field; any other goes to
    /// the form as a whole, with the API's own words, so nothing it said is lost.
    /// </summary>
    public void From(ApiProblem problem, params string[] formFields)
    {
        foreach (var (name, messages) in problem.Errors)
        {
            var field = formFields.FirstOrDefault(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase));
            if (field is not null)
            {
                Add(field, string.Join(" ", messages));
            }
            else
            {
                General = Join(General, $"{name}: {string.Join(" ", messages)}");
            }
        }

        if (problem.Errors.Count == 0 || (fields.Count == 0 && General is null))
        {
            General = Join(General, Describe(problem));
        }
    }

    public void SetGeneral(string message) => General = message;

    private static string Describe(ApiProblem problem) => problem.Detail is { Length: > 0 } detail ? $"{problem.Title}. {detail}" : problem.Title;

    private static string Join(string? first, string next) => first is null ? next : $"{first} {next}";
}
