using Cltool.Core.Errors;
using Cltool.Core.Imaging;

namespace Cltool.Cli.Prediction;

/// <summary>The images named on the command line: files as given, folders by their image files, labelled when every image sits in a class subfolder.</summary>
public static class PredictionInputs
{
    public static IReadOnlyList<PredictionInput> Collect(IEnumerable<string> paths) => paths.SelectMany(Of).ToArray();

    static IEnumerable<PredictionInput> Of(string path)
    {
        if (File.Exists(path))
        {
            if (ImageDecoder.Probe(path) is null) throw new CltoolException($"'{path}' is not a decodable image (expected PNG, JPEG, WebP or BMP).");
            return [new PredictionInput(path, null)];
        }
        string[] loose = Images(path, SearchOption.TopDirectoryOnly);
        var labelled = Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal)
            .SelectMany(folder => Images(folder, SearchOption.AllDirectories).Select(image => new PredictionInput(image, System.IO.Path.GetFileName(folder)))).ToArray();
        PredictionInput[] all = [.. loose.Select(image => new PredictionInput(image, null)), .. labelled];
        return all.Length > 0 ? all : throw new CltoolException($"'{path}' holds no images (expected {string.Join(", ", ImageDecoder.Extensions)} files, or class subfolders of them).");
    }

    static string[] Images(string folder, SearchOption depth) =>
        Directory.EnumerateFiles(folder, "*", depth).Where(f => ImageDecoder.Extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
}
