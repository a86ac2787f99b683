using System.Text;
using Cltool.Core.IO;
using Cltool.Core.Models;

namespace Cltool.Exporter;

/// <summary>
/// A Triton Inference Server model repository for exported models: NAME/config.pbtxt (platform onnxruntime_onnx,
/// dynamic batching), NAME/labels.txt and numbered version folders NAME/V/model.onnx, so the same artifact runs on Triton
/// and on `cltool serve --model-repository`. Exporting into an existing model adds the next version and never touches
/// the versions already there: each finished task of a continual run becomes the next version of the model.
/// </summary>
public static class TritonRepository
{
    public sealed record Model(string Name, int Channels, int ImageSize, IReadOnlyList<string> Labels, int MaxBatchSize, int MaxQueueDelayMicroseconds);

    /// <summary>Where a written version lies.</summary>
    public sealed record Written(string Directory, long Version);

    /// <summary>
    /// Writes REPOSITORY/NAME/V with V = 1 for a new model, else one past the highest version there. The version folder is
    /// staged and renamed into place last, so a host polling the repository never sees it half-written.
    /// </summary>
    public static Written Write(string repository, Model model, string onnxPath, string? dataPath)
    {
        using var staging = new StagingDirectory(repository, "triton");
        string target = Path.Combine(staging.Destination, model.Name);
        long version = Directory.Exists(target) ? RepositoryLayout.Versions(target).DefaultIfEmpty(0).Max() + 1 : 1;
        string root = staging.File(model.Name), versionFolder = Path.Combine(root, version.ToString());
        Directory.CreateDirectory(versionFolder);
        File.Copy(onnxPath, Path.Combine(versionFolder, RepositoryLayout.ModelFile));
        if (dataPath is not null) File.Copy(dataPath, Path.Combine(versionFolder, Path.GetFileName(dataPath)));
        // Class-incremental versions are append-only in their labels: the newest labels.txt is right for every version.
        File.WriteAllText(Path.Combine(root, RepositoryLayout.LabelsFile), string.Join("\n", model.Labels) + "\n");
        File.WriteAllText(Path.Combine(root, RepositoryLayout.ConfigFile), Config(model, variableClasses: version > 1));
        if (version == 1)
        {
            staging.PublishDirectory(model.Name);
            return new Written(target, version);
        }
        foreach (string file in new[] { RepositoryLayout.LabelsFile, RepositoryLayout.ConfigFile })
            File.Move(Path.Combine(root, file), Path.Combine(target, file), overwrite: true);
        Directory.Move(versionFolder, Path.Combine(target, version.ToString()));
        return new Written(target, version);
    }

    /// <summary>
    /// config.pbtxt in protobuf text format; names and dims match the ONNX graph (the batch dim is implicit). A model with
    /// several versions declares its class count variable (-1): each task's version adds classes.
    /// </summary>
    public static string Config(Model model, bool variableClasses = false)
    {
        var text = new StringBuilder();
        text.AppendLine($"name: \"{model.Name}\"");
        text.AppendLine("platform: \"onnxruntime_onnx\"");
        text.AppendLine($"max_batch_size: {model.MaxBatchSize}");
        text.AppendLine("input [");
        text.AppendLine($"  {{ name: \"{ModelSignature.Input}\" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ {model.Channels}, {model.ImageSize}, {model.ImageSize} ] }}");
        text.AppendLine("]");
        text.AppendLine("output [");
        text.AppendLine($"  {{ name: \"{ModelSignature.Output}\" data_type: TYPE_FP32 dims: [ {(variableClasses ? -1 : model.Labels.Count)} ] label_filename: \"{RepositoryLayout.LabelsFile}\" }}");
        text.AppendLine("]");
        text.AppendLine($"dynamic_batching {{ max_queue_delay_microseconds: {model.MaxQueueDelayMicroseconds} }}");
        text.AppendLine("instance_group [ { count: 1 kind: KIND_AUTO } ]");
        return text.ToString();
    }
}
