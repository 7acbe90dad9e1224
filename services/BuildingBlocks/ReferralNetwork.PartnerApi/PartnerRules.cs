using FluentValidation;
using ReferralNetwork.Contracts;

namespace ReferralNetwork.PartnerApi;

/// <summary>The partner API's validation rules with the messages its contract shows, for request validators.</summary>
public static class PartnerRules
{
    public static IRuleBuilderOptions<T, TProperty?> Required<T, TProperty>(this IRuleBuilder<T, TProperty?> rule) =>
        rule.NotNull().WithMessage("Required.");

    /// <summary>Present, not blank, and at most <paramref name="maxLength"/> characters.</summary>
    public static IRuleBuilderOptions<T, string?> RequiredText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("Required.").MaxText(maxLength);

    /// <summary>Optional, at most <paramref name="maxLength"/> characters.</summary>
    public static IRuleBuilderOptions<T, string?> MaxText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(v => v is null || v.Length <= maxLength).WithMessage($"At most {maxLength} characters.");

    /// <summary>An enum field the body must carry, naming the values it may take.</summary>
    public static IRuleBuilderOptions<T, TEnum?> RequiredOneOf<T, TEnum>(this IRuleBuilder<T, TEnum?> rule) where TEnum : struct, Enum =>
        rule.NotNull().WithMessage($"Required: one of {WireValues<TEnum>()}.");

    /// <summary>Every item is in <paramref name="allowed"/>; the message names the unknown ones and the allowed list.</summary>
    public static IRuleBuilderOptions<T, TItems> EachOneOf<T, TItems>(this IRuleBuilder<T, TItems> rule, IReadOnlyCollection<string> allowed)
        where TItems : IEnumerable<string?>? =>
        rule.Must(items => items is null || items.All(i => i is not null && allowed.Contains(i)))
            .WithMessage((_, items) =>
                $"Unknown: {string.Join(", ", (items ?? Enumerable.Empty<string?>()).Where(i => i is null || !allowed.Contains(i)))}. Each must be one of: {string.Join(", ", allowed)}.");

    public static string WireValues<TEnum>() where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(v => v.ToWire()));
}
