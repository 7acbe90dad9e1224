using System.Collections.Concurrent;
using System.Reflection;

namespace ReferralNetwork.UnitTests.EventSourcing;

/// <summary>
/// Folds events through an aggregate's own Create and Apply methods, chosen by the event's type as
/// Marten's generated evolver chooses them, and sets Version to the number of events as Marten sets it
/// from the stream. So decider tests use the one evolve the projection uses, not a copy of it.
/// </summary>
public static class Evolution
{
    private static readonly ConcurrentDictionary<(Type Aggregate, Type Event, string Name), MethodInfo> Methods = new();

    /// <summary>The aggregate its first event creates, after the rest.</summary>
    public static T Start<T>(object created, params IEnumerable<object> events) where T : class
    {
        var create = Find(typeof(T), created.GetType(), "Create", BindingFlags.Public | BindingFlags.Static);
        return WithVersion((T)create.Invoke(null, [created])!, 1).Then(events);
    }

    /// <summary>The state after <paramref name="events"/>, in order.</summary>
    public static T Then<T>(this T state, params IEnumerable<object> events) where T : class
    {
        foreach (var e in events)
        {
            var apply = Find(typeof(T), e.GetType(), "Apply", BindingFlags.Public | BindingFlags.Instance);
            state = WithVersion((T)apply.Invoke(state, [e])!, VersionOf(state) + 1);
        }

        return state;
    }

    private static MethodInfo Find(Type aggregate, Type @event, string name, BindingFlags flags) =>
        Methods.GetOrAdd((aggregate, @event, name), _ =>
            aggregate.GetMethods(flags).SingleOrDefault(m => m.Name == name && m.GetParameters() is [var p] && p.ParameterType == @event)
            ?? throw new InvalidOperationException($"{aggregate.Name} has no public {name}({@event.Name}): Marten would not evolve it with that event."));

    private static long VersionOf<T>(T state) => typeof(T).GetProperty("Version")?.GetValue(state) is long version ? version : 0;

    // Marten sets the version member by convention; so does this, through the record's init accessor.
    private static T WithVersion<T>(T state, long version)
    {
        typeof(T).GetProperty("Version")?.SetValue(state, version);
        return state;
    }
}
