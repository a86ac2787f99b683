namespace Cltool.Core.Continual;

public static class Logits
{
    /// <summary>The index of the largest value; the first one on a tie (as torch.argmax and numpy.argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
