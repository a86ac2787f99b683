using Cltool.Exporter.Onnx;
using Cltool.Exporter.Verification;

namespace Cltool.Exporter;

/// <param name="Merge">Fold every adapter into the dense weights (the deployable model) or keep them as branches.</param>
/// <param name="Precision">fp32, fp16 or int8 weights.</param>
/// <param name="ExternalDataThreshold">Weights above this many bytes go to an external data file (protobuf's 2 GB cap).</param>
/// <param name="FusedAttention">Emit ONNX Runtime's com.microsoft.Attention kernel (merged models only).</param>
/// <param name="MinimumInt8Agreement">The int8 gate: the share of test images whose top-1 class equals the fp32 export's.</param>
/// <param name="Int8Layers">Which linears int8 quantises.</param>
public sealed record ExportOptions(bool Merge = true, WeightPrecision Precision = WeightPrecision.Fp32, long ExternalDataThreshold = OnnxFile.ExternalDataThreshold,
                                   bool FusedAttention = false, double MinimumInt8Agreement = QuantisedAgreement.MinimumAgreement, Int8Layers Int8Layers = Int8Layers.Mlp)
{
    public bool Half => Precision == WeightPrecision.Fp16;

    /// <summary>The combination that cannot be exported, named; null when it can.</summary>
    public string? Problem() =>
        Precision == WeightPrecision.Int8 && !Merge ? "--dtype int8 needs merged weights (the low-rank branches would stay float); drop --no-merge." :
        Precision == WeightPrecision.Int8 && FusedAttention ? "--dtype int8 quantises the standard attention graph's linears; drop --fused-attention." :
        FusedAttention && !Merge ? "--fused-attention needs merged adapters; drop --no-merge." :
        null;
}
