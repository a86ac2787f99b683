using Cltool.Core.Adapters;

namespace Cltool.Core.Continual;

/// <summary>
/// What one continual-learning method is, for every part of cltool that must know: the adapter family that stores and
/// folds its state, what trains, its schedules and defaults, and which method-specific recipe keys apply to it.
/// </summary>
/// <param name="Name">As recipes and <c>--method</c> spell it.</param>
/// <param name="Family">The adapter family: its checkpoint codec and fold.</param>
/// <param name="Summary">One line for <c>cltool methods</c>.</param>
public sealed record MethodEntry(string Name, IAdapterFamily Family, string Summary)
{
    /// <summary>What the optimiser updates, in words (<c>cltool methods</c>).</summary>
    public required string Trains { get; init; }
    /// <summary>False for a method without gradient training (SimpleCIL sets its head from class means).</summary>
    public bool TrainsWithGradients { get; init; } = true;
    /// <summary>Whether the head trains with gradients across tasks, which head alignment then calibrates (joint has one task).</summary>
    public bool TrainsHead { get; init; } = true;
    /// <summary>All classes as one task (the upper bound).</summary>
    public bool OneTask { get; init; }
    /// <summary>Initial magnitude of every direction when the recipe sets none (directions family).</summary>
    public double MagnitudeInit { get; init; } = DefaultMagnitudeInit;
    /// <summary>The official code's initial magnitude.</summary>
    public const double DefaultMagnitudeInit = 0.8;
    /// <summary>The rank of task t's adapter given the recipe's rank (0-indexed task, as the code).</summary>
    public Func<int, int, int> RankOf { get; init; } = (_, rank) => rank;
    /// <summary>The method-specific recipe keys (<see cref="TrainRecipe.MethodOptions"/>) that apply to this method.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];
}
