namespace Cltool.Core.Data;

/// <summary>A batch on the host: images [Count, channels, size, size] row-major, and their labels.</summary>
public sealed record Batch(float[] Images, long[] Labels, int[] Indices)
{
    public int Count => Labels.Length;
}
