namespace Cltool.Core.Models;

/// <summary>
/// Triton's model repository layout, shared by the exporter that writes it and the host that serves it:
/// REPOSITORY/NAME/config.pbtxt, REPOSITORY/NAME/labels.txt and numbered version folders REPOSITORY/NAME/V/model.onnx.
/// </summary>
public static class RepositoryLayout
{
    public const string ModelFile = "model.onnx", ConfigFile = "config.pbtxt", LabelsFile = "labels.txt";

    /// <summary>The version numbers in a model folder; as in Triton, a name that is not a number or starts with 0 is not one.</summary>
    public static IEnumerable<long> Versions(string modelFolder) =>
        Directory.EnumerateDirectories(modelFolder).Select(Path.GetFileName)
            .Where(name => name is [>= '1' and <= '9', ..] && name.Length < 19 && name.All(char.IsAsciiDigit)).Select(name => long.Parse(name!));
}
