using System.Reflection;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Internal;
using FluentValidation.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ReferralNetwork.PartnerApi;

/// <summary>
/// Partner requests are validated by FluentValidation validators (one per request record, found in the
/// service's assembly) before the handler runs: a failure is a 422 naming every failing field, with the
/// field names partners send (camelCase paths such as person.nhsNumber), and the handler never runs.
/// </summary>
public static class RequestValidation
{
    /// <summary>Registers <typeparamref name="TMarker"/>'s assembly's validators and names fields as the JSON does.</summary>
    public static IServiceCollection AddRequestValidators<TMarker>(this IServiceCollection services)
    {
        UsePartnerConventions();
        // Every list's ?page=&pageSize= (Paging.cs), whichever service maps it.
        services.AddSingleton<IValidator<PageRequest>, PageRequestValidator>();
        return services.AddValidatorsFromAssemblyContaining<TMarker>(ServiceLifetime.Singleton, includeInternalTypes: true);
    }

    /// <summary>FluentValidation's settings are global: field names as the JSON spells them, and a field's rules stop at its first failure.</summary>
    public static void UsePartnerConventions()
    {
        ValidatorOptions.Global.PropertyNameResolver = JsonPath;
        // One message per field (Required, not Required and too long) is what a partner acts on. It also stops
        // a RuleForEach at its first bad item: such rules say .Cascade(CascadeMode.Continue) to name every one.
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
    }

    /// <summary>Validates each argument of the endpoint's handlers that has a validator registered.</summary>
    public static TBuilder WithRequestValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var isService = factory.ApplicationServices.GetRequiredService<IServiceProviderIsService>();
            var validated = factory.MethodInfo.GetParameters()
                .Select((parameter, index) => (Index: index, Validator: typeof(IValidator<>).MakeGenericType(parameter.ParameterType)))
                .Where(p => isService.IsService(p.Validator))
                .ToList();
            if (validated.Count == 0)
            {
                return next;
            }

            return async context =>
            {
                var failures = new List<ValidationFailure>();
                foreach (var (index, validatorType) in validated)
                {
                    // A missing optional body is the handler's to judge.
                    if (context.Arguments[index] is not { } argument)
                    {
                        continue;
                    }

                    var validator = (IValidator)context.HttpContext.RequestServices.GetRequiredService(validatorType);
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), context.HttpContext.RequestAborted);
                    failures.AddRange(result.Errors);
                }

                return failures.Count > 0 ? TypedResults.Problem(Capped(failures)) : await next(context);
            };
        });

    /// <summary>Fields named in one problem; a body of 20,000 bad items would otherwise answer megabytes.</summary>
    public const int MaxFields = 20;

    /// <summary>Messages kept per field.</summary>
    public const int MaxMessagesPerField = 3;

    /// <summary>Messages longer than this are cut (they may quote what the caller sent).</summary>
    public const int MaxMessageLength = 500;

    /// <summary>
    /// The 422 for these failures: the first <see cref="MaxFields"/> fields in the validators' order, each
    /// with its first distinct messages; the detail says how many fields were left out.
    /// </summary>
    public static Microsoft.AspNetCore.Http.HttpValidationProblemDetails Capped(IEnumerable<ValidationFailure> failures)
    {
        var fields = failures.GroupBy(f => f.PropertyName, StringComparer.Ordinal).ToList();
        var errors = fields.Take(MaxFields).ToDictionary(
            field => field.Key,
            field => field.Select(f => Cut(f.ErrorMessage)).Distinct().Take(MaxMessagesPerField).ToArray(),
            StringComparer.Ordinal);
        var details = Problems.InvalidDetails(errors);
        var omitted = fields.Count - errors.Count;
        if (omitted > 0)
        {
            details.Detail = $"See errors for each field; {omitted} more failing fields were left out. Mend these and send again.";
            details.Extensions["omittedFields"] = omitted;
        }

        return details;
    }

    private static string Cut(string message) => message.Length <= MaxMessageLength ? message : message[..MaxMessageLength] + "…";

    private static string? JsonPath(Type type, MemberInfo? member, System.Linq.Expressions.LambdaExpression? expression)
    {
        var chain = expression is null ? null : PropertyChain.FromExpression(expression);
        var names = chain is { Count: > 0 } ? chain.ToString().Split('.') : member is null ? [] : [member.Name];
        return names.Length == 0 ? null : string.Join('.', names.Select(JsonNamingPolicy.CamelCase.ConvertName));
    }
}
