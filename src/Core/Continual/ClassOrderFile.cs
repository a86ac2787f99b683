namespace Cltool.Core.Continual;

/// <summary>class-order.json: the order, and each task's classes by dataset label and name.</summary>
public sealed record ClassOrderFile(int Seed, bool Shuffled, int[] Order, ClassOrderFile.Task[] Tasks)
{
    public sealed record Task(int Index, int[] Labels, string[] Names);

    public static ClassOrderFile From(TrainRecipe recipe, Scenario scenario, IReadOnlyList<string> names) =>
        new(recipe.Seed, recipe.ShuffleClasses, scenario.Order, Enumerable.Range(0, scenario.Tasks).Select(t =>
        {
            int[] labels = scenario.Order.Skip(scenario.KnownBefore(t)).Take(scenario.TaskSizes[t]).ToArray();
            return new Task(t + 1, labels, labels.Select(l => names[l]).ToArray());
        }).ToArray());
}
