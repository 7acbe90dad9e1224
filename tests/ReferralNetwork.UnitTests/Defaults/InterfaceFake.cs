using System.Reflection;

namespace ReferralNetwork.UnitTests.Defaults;

/// <summary>
/// An interface answering only the members a test names ("get_Options" for a property, "CheckHealth" for a
/// method), for the one or two a class under test uses of a large interface (a bus, a document store).
/// Any other member throws, so a test learns when more is used.
/// </summary>
public class InterfaceFake : DispatchProxy
{
    private (string Member, object? Value)[] members = [];

    public static T Of<T>(params (string Member, object? Value)[] members) where T : class
    {
        var proxy = Create<T, InterfaceFake>();
        ((InterfaceFake)(object)proxy).members = members;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var name = targetMethod!.Name;
        foreach (var (member, value) in members)
        {
            if (member == name)
            {
                return value;
            }
        }
        throw new NotSupportedException($"{targetMethod.DeclaringType?.Name}.{name} is not faked by this test");
    }
}
