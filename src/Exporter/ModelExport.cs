using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Weights;
using Cltool.Exporter.Folding;
using Cltool.Exporter.Onnx;
using Cltool.Exporter.Verification;
using Onnx;

namespace Cltool.Exporter;

/// <param name="Merge">Fold every adapter into the dense weights (the deployable model) or keep them as branches.</param>
/// <param name="Half">Store the weights in float16 (input and output stay float32).</param>
/// <param name="ExternalDataThreshold">Weights above this many bytes go to an external data file (protobuf's 2 GB cap).</param>
/// <param name="FusedAttention">Emit ONNX Runtime's com.microsoft.Attention kernel (merged models only).</param>
public sealed record ExportOptions(bool Merge = true, bool Half = false, long ExternalDataThreshold = OnnxFile.ExternalDataThreshold, bool FusedAttention = false);

public sealed record ExportResult(string ModelPath, string? DataPath, ParityReport Parity, ContinualCheckpoint Checkpoint)
{
    public long Bytes => new FileInfo(ModelPath).Length + (DataPath is null ? 0 : new FileInfo(DataPath).Length);
}

/// <summary>
/// Checkpoint → ONNX, the exporter's one main path: read the stage through Core (no libtorch), fold its adapters (or keep
/// them as branches), build the graph, write it to a staging directory, prove parity on the checkpoint's golden batch in
/// ONNX Runtime, and only then move the file into place. A failed check leaves no model file behind.
/// </summary>
public static class ModelExport
{
    public static ExportResult Run(string checkpointPath, string outputPath, ExportOptions options)
    {
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(checkpointPath);
        string sha256 = FileHash.Sha256(checkpointPath);
        GoldenBatch golden = GoldenBatch.Of(checkpointPath, checkpoint, sha256) ?? throw new CltoolException(
            $"'{checkpointPath}' has no golden batch, so the export cannot prove parity: it carries none and its run has no golden.safetensors made from it. Export a task checkpoint written by this cltool version.");
        string target = Path.GetFullPath(outputPath);
        if (Directory.Exists(target)) throw new CltoolException($"--out '{outputPath}' is a directory; expected the path of the .onnx file to write.");
        ModelProto model = Graph(checkpoint, sha256, options);

        try
        {
            return WriteChecked(model, target, golden, checkpoint, options);
        }
        catch (Exception error) when (FileSystemErrors.IsWriteFailure(error))
        {
            throw new CltoolException($"Could not write '{target}': {error.Message.TrimEnd('.')}. Nothing was written.", inner: error);
        }
    }

    static ExportResult WriteChecked(ModelProto model, string target, GoldenBatch golden, ContinualCheckpoint checkpoint, ExportOptions options)
    {
        string name = Path.GetFileName(target);
        using var staging = new StagingDirectory(Path.GetDirectoryName(target)!, name);
        string? stagedData = OnnxFile.Write(model, staging.File(name), options.ExternalDataThreshold);
        ParityReport parity = Parity.Check(staging.File(name), golden, options.Half ? Parity.Fp16Tolerance(golden) : Parity.Fp32Tolerance);
        if (!parity.Passed) throw new CltoolException($"Parity check failed: {parity}. No model was written.");

        string dataName = OnnxFile.DataFileName(target);
        if (stagedData is null) File.Delete(Path.Combine(staging.Destination, dataName));   // a stale one from an earlier export
        staging.Publish(stagedData is null ? [name] : [dataName, name]);
        return new ExportResult(target, stagedData is null ? null : Path.Combine(staging.Destination, dataName), parity, checkpoint);
    }

    /// <summary>The stage's ONNX graph: dense (merged) or with its adapters as branches, with the serving metadata.</summary>
    public static ModelProto Graph(ContinualCheckpoint checkpoint, string checkpointSha256, ExportOptions options)
    {
        Dictionary<string, string> metadata = ExportMetadata.For(checkpoint, checkpointSha256, options.Merge, options.Half);
        (Dictionary<string, HostTensor> weights, IReadOnlyList<QkvLowRankBranch> branches) = options.Merge
            ? (CheckpointFolding.DenseWeights(checkpoint), [])
            : CheckpointFolding.Unmerged(checkpoint);
        return ViTGraph.Build(checkpoint.Config, weights, checkpoint.SeenClasses, metadata, new ViTGraphOptions(options.Half, branches, options.FusedAttention));
    }
}
