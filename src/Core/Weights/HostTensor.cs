namespace Cltool.Core.Weights;

/// <summary>A float tensor in row-major order.</summary>
public sealed record HostTensor(float[] Data, long[] Shape)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
