using Cltool.Core.Data;

namespace Cltool.Core.Continual;

/// <summary>Which images of a dataset a run uses: for each class-order position, the first images of its class in dataset order.</summary>
public static class ScenarioImages
{
    /// <summary>Dataset indices per class-order position, at most <paramref name="perClass"/> each (0 takes all).</summary>
    public static List<int>[] ByPosition(IImageDataset dataset, Scenario scenario, int perClass)
    {
        int[] position = scenario.PositionOfLabel();
        var lists = Enumerable.Range(0, scenario.Classes).Select(_ => new List<int>()).ToArray();
        for (int index = 0; index < dataset.Count; index++)
        {
            List<int> list = lists[position[dataset.LabelOf(index)]];
            if (perClass == 0 || list.Count < perClass) list.Add(index);
        }
        return lists;
    }

    /// <summary>The images of positions [<paramref name="first"/>, <paramref name="end"/>), in dataset order.</summary>
    public static int[] Of(List<int>[] byPosition, int first, int end) =>
        byPosition.Skip(first).Take(end - first).SelectMany(list => list).Order().ToArray();
}
