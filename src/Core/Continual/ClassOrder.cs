namespace Cltool.Core.Continual;

/// <summary>
/// The class order of the official SD-LoRA code (PILOT's DataManager): <c>np.random.seed(seed);
/// np.random.permutation(n)</c>, i.e. numpy's legacy MT19937 and its Fisher–Yates shuffle with masked rejection
/// sampling. Reproduced bit for bit so that task splits match the published logs.
/// </summary>
public static class ClassOrder
{
    public static int[] FromSeed(int seed, int classes)
    {
        var random = new Mt19937((uint)seed);
        int[] order = Enumerable.Range(0, classes).ToArray();
        for (int i = classes - 1; i > 0; i--)
        {
            int j = (int)random.Interval((uint)i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The identity order, for recipes that keep the dataset's own class order.</summary>
    public static int[] Identity(int classes) => Enumerable.Range(0, classes).ToArray();
}
