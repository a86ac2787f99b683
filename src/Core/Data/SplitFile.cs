using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;

namespace Cltool.Core.Data;

/// <summary>
/// A fixed train/test split of an image folder with one subfolder per class: every image's path (relative to the split
/// file's folder) and class, chosen per class with a seed, so a split is reproducible and can be shared as one small
/// file with its sha256. `imagefolder:FILE` reads it.
/// </summary>
public sealed record SplitFile(string Format, int Seed, double TrainFraction, string[] Classes, SplitFile.Item[] Train, SplitFile.Item[] Test)
{
    public const string FormatName = "cltool.split/1";

    public sealed record Item(string Path, int Label);

    /// <summary>Splits every class of <paramref name="folder"/>: a seeded shuffle, the first round(fraction·n) to train (at least one to each side when a class has two or more images).</summary>
    public static SplitFile Create(string folder, double trainFraction, int seed, string splitDirectory)
    {
        string[] classes = Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new CltoolException($"'{folder}' has no class subfolders (expected one subfolder of images per class).");
        var train = new List<Item>();
        var test = new List<Item>();
        for (int label = 0; label < classes.Length; label++)
        {
            string[] images = Directory.EnumerateFiles(Path.Combine(folder, classes[label]), "*", SearchOption.AllDirectories)
                .Where(f => Imaging.ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray();
            var random = new Random(unchecked(seed * 1_000_003 + label));   // seeded Random is stable across runs and .NET versions
            random.Shuffle(images);
            int toTrain = images.Length < 2 ? images.Length : Math.Clamp((int)Math.Round(trainFraction * images.Length), 1, images.Length - 1);
            train.AddRange(images.Take(toTrain).Select(f => new Item(Relative(splitDirectory, f), label)));
            test.AddRange(images.Skip(toTrain).Select(f => new Item(Relative(splitDirectory, f), label)));
        }
        return new SplitFile(FormatName, seed, trainFraction, classes, [.. train.OrderBy(i => i.Path, StringComparer.Ordinal)], [.. test.OrderBy(i => i.Path, StringComparer.Ordinal)]);
    }

    /// <summary>Reads a split file; a file of another format or one naming a missing image is one error naming it.</summary>
    public static SplitFile Load(string path)
    {
        SplitFile file = CltoolJson.LoadStrict<SplitFile>(path, "split file");
        if (file.Format != FormatName) throw new CltoolException($"'{path}' is not a cltool split file (format '{file.Format}', expected '{FormatName}').");
        string directory = FolderOf(path);
        if (file.Train.Concat(file.Test).FirstOrDefault(i => !File.Exists(Path.Combine(directory, i.Path))) is { } missing)
            throw new CltoolException($"split file '{path}' names '{missing.Path}', which does not exist under '{directory}'.");
        if (file.Train.Concat(file.Test).FirstOrDefault(i => i.Label < 0 || i.Label >= file.Classes.Length) is { } bad)
            throw new CltoolException($"split file '{path}' gives '{bad.Path}' class {bad.Label}; it has {file.Classes.Length} classes.");
        return file;
    }

    /// <summary>The folder a split file's paths are relative to: its own.</summary>
    public static string FolderOf(string splitFilePath) => Path.GetDirectoryName(Path.GetFullPath(splitFilePath))!;

    /// <summary>One split's images with their full paths, the split file being at <paramref name="splitFilePath"/>.</summary>
    public (string Path, int Label)[] Images(string splitFilePath, DatasetSplit split)
    {
        string folder = FolderOf(splitFilePath);
        return (split == DatasetSplit.Train ? Train : Test).Select(i => (Path.Combine(folder, i.Path), i.Label)).ToArray();
    }

    /// <summary>Writes the split and FILE.sha256 (sha256sum's format) next to it; returns the sha256.</summary>
    public string Save(string path)
    {
        AtomicFile.WriteAllText(path, CltoolJson.Serialize(this) + "\n");
        string sha256 = FileHash.Sha256(path);
        AtomicFile.WriteAllText(path + ".sha256", $"{sha256}  {Path.GetFileName(path)}\n");
        return sha256;
    }

    static string Relative(string from, string file) => Path.GetRelativePath(from, file).Replace('\\', '/');
}
