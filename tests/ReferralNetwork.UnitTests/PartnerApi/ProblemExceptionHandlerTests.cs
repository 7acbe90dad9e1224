using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.PartnerApi;

/// <summary>The refusals a command can throw become the partner API's problem details.</summary>
public class ProblemExceptionHandlerTests
{
    public static TheoryData<Exception, int, string> Refusals => new()
    {
        { new NotVisible("case"), StatusCodes.Status404NotFound, "No case with that id is visible to you." },
        { new NotPermitted("Only the referrer can cancel a referral."), StatusCodes.Status403Forbidden, "Only the referrer can cancel a referral." },
        { new RuleViolation("Only a requested case can be accepted."), StatusCodes.Status409Conflict, "Only a requested case can be accepted." },
        { new VersionMismatch(1, 2), StatusCodes.Status409Conflict, "If-Match expected version 1 but it is at version 2. Read it again and retry." },
        { new InvalidCommand("linkWorkerId", "No link worker with that id in your service."), StatusCodes.Status422UnprocessableEntity, "See errors for each field." },
        {
            // Its constructor is internal to Marten: a blank instance is enough to test the mapping.
            (Exception)RuntimeHelpers.GetUninitializedObject(typeof(JasperFx.Events.ExistingStreamIdCollisionException)), StatusCodes.Status409Conflict,
            "The resource changed since you read it (or a concurrent request won). Read it again and retry."
        },
        { new UnauthorizedAccessException("The token's person is not an id."), StatusCodes.Status401Unauthorized, "The token's person is not an id." },
        { new InvalidOperationException("secret detail"), StatusCodes.Status500InternalServerError, "" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Each_refusal_has_its_status_and_says_why(Exception refusal, int status, string detail)
    {
        var problems = Substitute.For<IProblemDetailsService>();
        ProblemDetailsContext? written = null;
        problems.TryWriteAsync(Arg.Do<ProblemDetailsContext>(c => written = c)).Returns(true);
        var http = new DefaultHttpContext();

        Assert.True(await new ProblemExceptionHandler(problems, NullLogger<ProblemExceptionHandler>.Instance).TryHandleAsync(http, refusal, default));

        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal(status, written!.ProblemDetails.Status);
        Assert.Equal(detail, written.ProblemDetails.Detail ?? "");
    }

    [Fact]
    public async Task An_invalid_command_names_its_field()
    {
        var problems = Substitute.For<IProblemDetailsService>();
        ProblemDetailsContext? written = null;
        problems.TryWriteAsync(Arg.Do<ProblemDetailsContext>(c => written = c)).Returns(true);

        await new ProblemExceptionHandler(problems, NullLogger<ProblemExceptionHandler>.Instance)
            .TryHandleAsync(new DefaultHttpContext(), new InvalidCommand("serviceId", "No such service."), default);

        var errors = Assert.IsType<HttpValidationProblemDetails>(written!.ProblemDetails).Errors;
        Assert.Equal(["No such service."], errors["serviceId"]);
    }

    [Theory]
    [InlineData("Failed to bind parameter \"Guid? ReferralId\" from \"not-a-guid\".", "'referralId' is not valid: expected an id (a GUID).")]
    [InlineData("Failed to bind parameter \"DateTimeOffset? updatedSince\" from \"soon\".", "'updatedSince' is not valid: expected an ISO-8601 timestamp.")]
    [InlineData("Failed to bind parameter \"int page\" from \"two\".", "'page' is not valid: expected a whole number.")]
    [InlineData("Required parameter \"CancelReferralRequest request\" was not provided from body.", "A JSON body is required.")]
    [InlineData("Required parameter \"Guid referralId\" was not provided from query string.", "'referralId' is required.")]
    [InlineData("Implicit body inferred for parameter \"SubmitReferralRequest request\" but no body was provided.", "The request is malformed: check its parameters and body against the partner API.")]
    public async Task A_binding_failure_names_the_partners_field_never_a_CSharp_type_or_parameter(string aspNetMessage, string detail)
    {
        var problems = Substitute.For<IProblemDetailsService>();
        ProblemDetailsContext? written = null;
        problems.TryWriteAsync(Arg.Do<ProblemDetailsContext>(c => written = c)).Returns(true);

        await new ProblemExceptionHandler(problems, NullLogger<ProblemExceptionHandler>.Instance)
            .TryHandleAsync(new DefaultHttpContext(), new BadHttpRequestException(aspNetMessage), default);

        Assert.Equal(StatusCodes.Status400BadRequest, written!.ProblemDetails.Status);
        Assert.Equal(detail, written.ProblemDetails.Detail);
    }

    [Fact]
    public async Task A_malformed_if_match_keeps_its_own_words()
    {
        var problems = Substitute.For<IProblemDetailsService>();
        ProblemDetailsContext? written = null;
        problems.TryWriteAsync(Arg.Do<ProblemDetailsContext>(c => written = c)).Returns(true);
        var http = new DefaultHttpContext();
        http.Request.Headers.IfMatch = "yesterday";

        var refused = Assert.Throws<PartnerBadRequest>(() => ETags.IfMatch(http.Request));
        await new ProblemExceptionHandler(problems, NullLogger<ProblemExceptionHandler>.Instance).TryHandleAsync(http, refused, default);

        Assert.Equal("If-Match must be a version number as returned in ETag.", written!.ProblemDetails.Detail);
    }
}
