using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// One task's InfLoRA branch in one block: the designed down-projection Down [r, dim] that k and v share (the code's
/// lora_A_k = lora_A_v) and the trained up-projections KeyUp and ValueUp [dim, r]; ΔW_k = KeyUp·Down, ΔW_v = ValueUp·Down.
/// </summary>
public sealed record InfLoraFactors(HostTensor Down, HostTensor KeyUp, HostTensor ValueUp)
{
    public long Parameters => Down.Data.LongLength + KeyUp.Data.LongLength + ValueUp.Data.LongLength;

    public LoraFactors Key => new(Down, KeyUp);
    public LoraFactors Value => new(Down, ValueUp);
}
