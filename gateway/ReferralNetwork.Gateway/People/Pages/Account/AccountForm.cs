using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ReferralNetwork.Gateway.People.Pages.Account;

/// <summary>The NHS.UK design system's error state for a field of an account page.</summary>
public static class AccountForm
{
    public static string Group(ModelStateDictionary state, string field) =>
        state.GetFieldValidationState(field) == ModelValidationState.Invalid ? "nhsuk-form-group nhsuk-form-group--error" : "nhsuk-form-group";

    public static string Input(ModelStateDictionary state, string field, string width = "") =>
        "nhsuk-input" + (width.Length > 0 ? $" nhsuk-input--width-{width}" : "")
        + (state.GetFieldValidationState(field) == ModelValidationState.Invalid ? " nhsuk-input--error" : "");
}
