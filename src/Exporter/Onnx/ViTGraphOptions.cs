using Cltool.Core.Adapters;

namespace Cltool.Exporter.Onnx;

/// <param name="Half">Store weights and compute in float16; the input and output stay float32 (Cast at both ends).</param>
/// <param name="Branches">Adapters kept as separate branches (--no-merge); empty for a dense model.</param>
/// <param name="FusedAttention">Emit ONNX Runtime's com.microsoft.Attention (qkv projection + attention in one kernel)
/// instead of standard ops; ONNX Runtime only, and only for a dense model (its weights go into the fused kernel).</param>
public sealed record ViTGraphOptions(bool Half = false, IReadOnlyList<QkvLowRankBranch>? Branches = null, bool FusedAttention = false);
