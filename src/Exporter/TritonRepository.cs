using System.Text;
using Cltool.Core.IO;
using Cltool.Core.Models;

namespace Cltool.Exporter;

/// <summary>
/// A Triton Inference Server model repository for an exported model: NAME/config.pbtxt (platform onnxruntime_onnx,
/// dynamic batching), NAME/labels.txt and NAME/1/model.onnx, so the same artifact runs on an existing serving engine.
/// </summary>
public static class TritonRepository
{
    public sealed record Model(string Name, int Channels, int ImageSize, IReadOnlyList<string> Labels, int MaxBatchSize, int MaxQueueDelayMicroseconds);

    /// <summary>Writes (or replaces) REPOSITORY/NAME; returns that directory.</summary>
    public static string Write(string repository, Model model, string onnxPath, string? dataPath)
    {
        using var staging = new StagingDirectory(repository, "triton");
        string root = staging.File(model.Name), version = Path.Combine(root, "1");
        Directory.CreateDirectory(version);
        File.Copy(onnxPath, Path.Combine(version, "model.onnx"));
        if (dataPath is not null) File.Copy(dataPath, Path.Combine(version, Path.GetFileName(dataPath)));
        File.WriteAllText(Path.Combine(root, "labels.txt"), string.Join("\n", model.Labels) + "\n");
        File.WriteAllText(Path.Combine(root, "config.pbtxt"), Config(model));
        staging.PublishDirectory(model.Name);
        return Path.Combine(staging.Destination, model.Name);
    }

    /// <summary>config.pbtxt in protobuf text format; names and dims match the ONNX graph (the batch dim is implicit).</summary>
    public static string Config(Model model)
    {
        var text = new StringBuilder();
        text.AppendLine($"name: \"{model.Name}\"");
        text.AppendLine("platform: \"onnxruntime_onnx\"");
        text.AppendLine($"max_batch_size: {model.MaxBatchSize}");
        text.AppendLine("input [");
        text.AppendLine($"  {{ name: \"{ModelSignature.Input}\" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ {model.Channels}, {model.ImageSize}, {model.ImageSize} ] }}");
        text.AppendLine("]");
        text.AppendLine("output [");
        text.AppendLine($"  {{ name: \"{ModelSignature.Output}\" data_type: TYPE_FP32 dims: [ {model.Labels.Count} ] label_filename: \"labels.txt\" }}");
        text.AppendLine("]");
        text.AppendLine($"dynamic_batching {{ max_queue_delay_microseconds: {model.MaxQueueDelayMicroseconds} }}");
        text.AppendLine("instance_group [ { count: 1 kind: KIND_AUTO } ]");
        return text.ToString();
    }
}
