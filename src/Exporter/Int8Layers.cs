namespace Cltool.Exporter;

/// <summary>Which linears an int8 export quantises.</summary>
public enum Int8Layers
{
    /// <summary>fc1 and fc2 of every block (the default): two thirds of the linear FLOPs, and what keeps the gate on the
    /// glyph model, where quantising the attention projections too flipped 3 % of the top-1 answers.</summary>
    Mlp,
    /// <summary>Also qkv and proj.</summary>
    All,
}
