using System.Reflection;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Internal;
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
                var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                foreach (var (index, validatorType) in validated)
                {
                    // A missing optional body is the handler's to judge.
                    if (context.Arguments[index] is not { } argument)
                    {
                        continue;
                    }

                    var validator = (IValidator)context.HttpContext.RequestServices.GetRequiredService(validatorType);
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), context.HttpContext.RequestAborted);
                    foreach (var field in result.Errors.GroupBy(e => e.PropertyName))
                    {
                        errors[field.Key] = field.Select(e => e.ErrorMessage).Distinct().ToArray();
                    }
                }

                return errors.Count > 0 ? Problems.Invalid(errors) : await next(context);
            };
        });

    private static string? JsonPath(Type type, MemberInfo? member, System.Linq.Expressions.LambdaExpression? expression)
    {
        var chain = expression is null ? null : PropertyChain.FromExpression(expression);
        var names = chain is { Count: > 0 } ? chain.ToString().Split('.') : member is null ? [] : [member.Name];
        return names.Length == 0 ? null : string.Join('.', names.Select(JsonNamingPolicy.CamelCase.ConvertName));
    }
}
