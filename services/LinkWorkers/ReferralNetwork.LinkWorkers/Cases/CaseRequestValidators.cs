using FluentValidation;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.LinkWorkers.Cases;

// The shape of each case command's body; whether the case allows the command is CaseDecider's to say.

public sealed class RecordAssessmentRequestValidator : AbstractValidator<RecordAssessmentRequest>
{
    public RecordAssessmentRequestValidator()
    {
        RuleFor(r => r.WhatMatters).RequiredText(CasesApi.WhatMattersMaxLength);
        RuleFor(r => r.Needs).EachOneOf(Needs.All);
        RuleFor(r => r.Interests).Must(i => i is null || i.Count <= CasesApi.MaxInterests).WithMessage($"At most {CasesApi.MaxInterests}.");
        RuleFor(r => r.Interests)
            .Must(i => i is null || i.All(tag => tag?.Trim().Length is > 0 and <= CasesApi.InterestMaxLength))
            .WithMessage($"Each must be 1 to {CasesApi.InterestMaxLength} characters.");
        RuleFor(r => r.Barriers).EachOneOf(Barriers.All);
    }
}

public sealed class RecordContactRequestValidator : AbstractValidator<RecordContactRequest>
{
    public RecordContactRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.Outcome).Must(o => o is not null && ContactOutcomes.All.Contains(o))
            .WithMessage($"Required: one of {string.Join(", ", ContactOutcomes.All)}.");
        // A few minutes' grace for the clocks of the partner's system.
        RuleFor(r => r.At).Must(at => at is null || at <= clock.GetUtcNow().AddMinutes(5)).WithMessage("Must not be in the future.");
    }
}

public sealed class MakeOnwardReferralRequestValidator : AbstractValidator<MakeOnwardReferralRequest>
{
    public MakeOnwardReferralRequestValidator()
    {
        RuleFor(r => r.ServiceId).Required();
        RuleFor(r => r.Note).MaxText(CasesApi.NoteMaxLength);
    }
}

public sealed class RejectCaseRequestValidator : AbstractValidator<RejectCaseRequest>
{
    public RejectCaseRequestValidator()
    {
        RuleFor(r => r.Reason).RequiredOneOf();
        RuleFor(r => r.Note).MaxText(CasesApi.NoteMaxLength);
    }
}

public sealed class HoldCaseRequestValidator : AbstractValidator<HoldCaseRequest>
{
    public HoldCaseRequestValidator() => RuleFor(r => r.Note).MaxText(CasesApi.NoteMaxLength);
}

public sealed class CloseCaseRequestValidator : AbstractValidator<CloseCaseRequest>
{
    public CloseCaseRequestValidator()
    {
        RuleFor(r => r.Outcome).RequiredOneOf();
        RuleFor(r => r.Summary).RequiredText(CasesApi.SummaryMaxLength);
    }
}

public sealed class WithdrawOnwardReferralRequestValidator : AbstractValidator<WithdrawOnwardReferralRequest>
{
    public WithdrawOnwardReferralRequestValidator() => RuleFor(r => r.Note).MaxText(CasesApi.NoteMaxLength);
}
