namespace Cltool.Core.Weights;

/// <summary>One tensor's header entry. Offsets are relative to the start of the data buffer; End is exclusive.</summary>
public sealed record TensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
