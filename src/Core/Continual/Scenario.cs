using Cltool.Core.Errors;

namespace Cltool.Core.Continual;

/// <summary>
/// A class-incremental scenario: the dataset's classes in training order and their split into tasks
/// (<c>[initClasses, increment, increment, …]</c>, the last task taking the remainder as PILOT does). Models see a
/// class by its position in <see cref="Order"/>: logit k is dataset class <c>Order[k]</c>.
/// </summary>
public sealed record Scenario(int[] Order, int[] TaskSizes)
{
    public int Tasks => TaskSizes.Length;
    public int Classes => Order.Length;

    /// <summary>Classes seen before task <paramref name="task"/> starts (its first logit).</summary>
    public int KnownBefore(int task) => TaskSizes.Take(task).Sum();

    /// <summary>Classes seen once task <paramref name="task"/> is done.</summary>
    public int SeenAfter(int task) => KnownBefore(task + 1);

    /// <summary>The task that introduces logit position <paramref name="position"/>.</summary>
    public int TaskOfPosition(int position)
    {
        for (int task = 0, end = 0; task < Tasks; task++)
            if (position < (end += TaskSizes[task])) return task;
        throw new ArgumentOutOfRangeException(nameof(position));
    }

    /// <summary>Dataset label → logit position.</summary>
    public int[] PositionOfLabel()
    {
        int[] position = new int[Order.Length];
        for (int k = 0; k < Order.Length; k++) position[Order[k]] = k;
        return position;
    }

    public static Scenario Create(int[] order, int initClasses, int increment)
    {
        int classes = order.Length;
        if (initClasses <= 0 || initClasses > classes)
            throw new CltoolException($"Recipe: initClasses must be between 1 and the dataset's {classes} classes, got {initClasses}.");
        if (increment <= 0)
            throw new CltoolException($"Recipe: increment must be positive, got {increment}.");
        var sizes = new List<int> { initClasses };
        for (int seen = initClasses; seen < classes; seen += increment) sizes.Add(Math.Min(increment, classes - seen));
        return new Scenario(order, sizes.ToArray());
    }

    /// <summary>All classes as one task: the joint-training upper bound.</summary>
    public Scenario Joint() => new(Order, [Classes]);
}
