using Cltool.Core.Adapters;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Weights;
using Cltool.Exporter.Folding;
using Cltool.Exporter.Onnx;
using Cltool.Exporter.Verification;
using Onnx;

namespace Cltool.Exporter;

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
        if (options.Problem() is { } problem) throw new CltoolException(problem);
        // int8 is checked against the float graph it was quantised from: fold and build once, quantise a copy.
        ModelProto floatGraph = FloatGraph(checkpoint, sha256, options);
        ModelProto model = Quantised(floatGraph, options);
        ModelProto? reference = options.Precision == WeightPrecision.Int8 ? floatGraph : null;

        try
        {
            return WriteChecked(model, reference, target, golden, checkpoint, options);
        }
        catch (Exception error) when (FileSystemErrors.IsWriteFailure(error))
        {
            throw new CltoolException($"Could not write '{target}': {error.Message.TrimEnd('.')}. Nothing was written.", inner: error);
        }
    }

    /// <summary>
    /// Writes to the staging directory and checks before publishing: fp32 and fp16 against the trainer's golden logits;
    /// int8 (whose logits move by design) by agreeing with the fp32 export, written next to it, on the run's test split.
    /// </summary>
    static ExportResult WriteChecked(ModelProto model, ModelProto? reference, string target, GoldenBatch golden, ContinualCheckpoint checkpoint, ExportOptions options)
    {
        string name = Path.GetFileName(target);
        using var staging = new StagingDirectory(Path.GetDirectoryName(target)!, name);
        string? stagedData = OnnxFile.Write(model, staging.File(name), options.ExternalDataThreshold);
        ParityReport parity = Parity.Check(staging.File(name), golden, options.Precision switch
        {
            WeightPrecision.Fp16 => Parity.Fp16Tolerance(golden),
            WeightPrecision.Int8 => double.PositiveInfinity,
            _ => Parity.Fp32Tolerance,
        });
        QuantisedAgreement? agreement = null;
        if (reference is not null)
        {
            OnnxFile.Write(reference, staging.File("fp32-reference.onnx"), options.ExternalDataThreshold);
            agreement = QuantisedAgreement.Measure(staging.File("fp32-reference.onnx"), staging.File(name), checkpoint, options.MinimumInt8Agreement);
            if (!agreement.Passed) throw new CltoolException($"int8 agreement check failed: {agreement}. No model was written.");
        }
        else if (!parity.Passed) throw new CltoolException($"Parity check failed: {parity}. No model was written.");

        string dataName = OnnxFile.DataFileName(target);
        if (stagedData is null) File.Delete(Path.Combine(staging.Destination, dataName));   // a stale one from an earlier export
        staging.Publish(stagedData is null ? [name] : [dataName, name]);
        return new ExportResult(target, stagedData is null ? null : Path.Combine(staging.Destination, dataName), parity, checkpoint, agreement);
    }

    /// <summary>The stage's ONNX graph: dense (merged) or with its adapters as branches, with the serving metadata.</summary>
    public static ModelProto Graph(ContinualCheckpoint checkpoint, string checkpointSha256, ExportOptions options) =>
        Quantised(FloatGraph(checkpoint, checkpointSha256, options), options);

    static ModelProto FloatGraph(ContinualCheckpoint checkpoint, string checkpointSha256, ExportOptions options)
    {
        Dictionary<string, string> metadata = ExportMetadata.For(checkpoint, checkpointSha256, options.Merge, options.Precision);
        (Dictionary<string, HostTensor> weights, IReadOnlyList<QkvLowRankBranch> branches) = options.Merge
            ? (CheckpointFolding.DenseWeights(checkpoint), [])
            : CheckpointFolding.Unmerged(checkpoint);
        return ViTGraph.Build(checkpoint.Config, weights, checkpoint.SeenClasses, metadata, new ViTGraphOptions(options.Half, branches, options.FusedAttention));
    }

    /// <summary>The graph itself, or for int8 a quantised copy of it.</summary>
    static ModelProto Quantised(ModelProto graph, ExportOptions options)
    {
        if (options.Precision != WeightPrecision.Int8) return graph;
        return Int8Quantization.Apply(graph, options.Int8Layers == Int8Layers.All ? _ => true : weight => weight.Contains(".mlp.", StringComparison.Ordinal));
    }
}
