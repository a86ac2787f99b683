using Cltool.Core.Errors;

namespace Cltool.Core.Data;

/// <summary>
/// Opens a dataset from its spec: <c>fashion-mnist[:DIR]</c>, <c>imagefolder:DIR</c>, <c>cifar100:DIR</c> or
/// <c>glyphs:SETS[?train=N&amp;test=N&amp;size=PX&amp;seed=S]</c>.
/// </summary>
public static class DatasetCatalog
{
    public const string Kinds = "fashion-mnist (or fashion-mnist:DIR), imagefolder:DIR (or imagefolder:SPLIT.json), cifar100:DIR, glyphs:SETS (options ?train=N&test=N&size=PX&seed=S)";

    public static IImageDataset Open(string spec, DatasetSplit split)
    {
        (string kind, string? argument) = Split(spec);
        return kind switch
        {
            "fashion-mnist" => new FashionMnist(spec, RequireDirectory(spec, argument ?? BuiltInDatasets.FashionMnistDirectory), split),
            "imagefolder" => new ImageFolder(spec, RequireFolderOrSplit(spec, Required(spec, argument)), split),
            "cifar100" => new Cifar100(spec, RequireDirectory(spec, Required(spec, argument)), split),
            "glyphs" => OpenGlyphs(spec, Required(spec, argument), split),
            _ => throw new CltoolException($"Unknown dataset '{spec}'; expected {Kinds}."),
        };
    }

    /// <summary>
    /// What a dataset is made of, as one hash: every file of its folder (relative path and content), or for rendered
    /// glyphs the pinned fonts they are drawn from (the spec holds the sets, counts, size and seed).
    /// </summary>
    public static DatasetIdentity Identify(string spec)
    {
        (string kind, string? argument) = Split(spec);
        if (kind == "glyphs") return DatasetIdentity.Of(spec, GlyphFonts.Root, GlyphFonts.Resolve());
        if (kind == "imagefolder" && File.Exists(argument))
        {
            SplitFile split = SplitFile.Load(argument);
            (string Path, int Label)[] images = [.. split.Images(argument, DatasetSplit.Train), .. split.Images(argument, DatasetSplit.Test)];
            return DatasetIdentity.Of(spec, SplitFile.FolderOf(argument), [argument, .. images.Select(image => image.Path)]);
        }
        string folder = RequireDirectory(spec, kind == "fashion-mnist" ? argument ?? BuiltInDatasets.FashionMnistDirectory : Required(spec, argument));
        return DatasetIdentity.Of(spec, folder, Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
    }

    static (string Kind, string? Argument) Split(string spec)
    {
        int colon = spec.IndexOf(':');
        return colon < 0 ? (spec, null) : (spec[..colon], spec[(colon + 1)..]);
    }

    static Glyphs OpenGlyphs(string spec, string argument, DatasetSplit split)
    {
        int question = argument.IndexOf('?');
        string sets = question < 0 ? argument : argument[..question];
        var options = new Dictionary<string, int>
        {
            ["train"] = Glyphs.DefaultTrainPerClass,
            ["test"] = Glyphs.DefaultTestPerClass,
            ["size"] = Glyphs.DefaultSize,
            ["seed"] = 0,
        };
        if (question >= 0)
        {
            foreach (string pair in argument[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = pair.Split('=', 2);
                if (parts.Length != 2 || !options.ContainsKey(parts[0]) || !int.TryParse(parts[1], out int value))
                    throw new CltoolException($"Dataset '{spec}': option '{pair}' is not one of train=N, test=N, size=PX, seed=S.");
                options[parts[0]] = value;
            }
        }
        return new Glyphs(spec, sets, split, options["train"], options["test"], options["size"], options["seed"]);
    }

    static string Required(string spec, string? argument) =>
        string.IsNullOrWhiteSpace(argument) ? throw new CltoolException($"Dataset '{spec}' needs a location or a set after ':'; expected {Kinds}.") : argument;

    static string RequireFolderOrSplit(string spec, string path) => File.Exists(path) ? path : RequireDirectory(spec, path);

    static string RequireDirectory(string spec, string directory) =>
        Directory.Exists(directory) ? directory : throw new CltoolException($"Dataset '{spec}': folder '{directory}' does not exist.");
}
