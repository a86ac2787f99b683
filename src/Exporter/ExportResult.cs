using Cltool.Core.Continual;
using Cltool.Exporter.Verification;

namespace Cltool.Exporter;

/// <summary>A written, checked export; <c>Agreement</c> (int8 only) compares its test-split predictions with the fp32 export's.</summary>
public sealed record ExportResult(string ModelPath, string? DataPath, ParityReport Parity, ContinualCheckpoint Checkpoint, QuantisedAgreement? Agreement = null)
{
    public long Bytes => new FileInfo(ModelPath).Length + (DataPath is null ? 0 : new FileInfo(DataPath).Length);
}
