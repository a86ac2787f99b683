using Cltool.Core.Errors;

namespace Cltool.Core.Data;

/// <summary>
/// Opens a dataset from its spec: <c>fashion-mnist[:DIR]</c>, <c>imagefolder:DIR</c>, <c>cifar100:DIR</c> or
/// <c>glyphs:SETS[?train=N&amp;test=N&amp;size=PX&amp;seed=S]</c>.
/// </summary>
public static class DatasetCatalog
{
    public const string Kinds = "fashion-mnist (or fashion-mnist:DIR), imagefolder:DIR, cifar100:DIR, glyphs:SETS (options ?train=N&test=N&size=PX&seed=S)";

    public static IImageDataset Open(string spec, DatasetSplit split)
    {
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon];
        string? argument = colon < 0 ? null : spec[(colon + 1)..];
        return kind switch
        {
            "fashion-mnist" => new FashionMnist(spec, RequireDirectory(spec, argument ?? BuiltInDatasets.FashionMnistDirectory), split),
            "imagefolder" => new ImageFolder(spec, RequireDirectory(spec, Required(spec, argument)), split),
            "cifar100" => new Cifar100(spec, RequireDirectory(spec, Required(spec, argument)), split),
            "glyphs" => OpenGlyphs(spec, Required(spec, argument), split),
            _ => throw new CltoolException($"Unknown dataset '{spec}'; expected {Kinds}."),
        };
    }

    static Glyphs OpenGlyphs(string spec, string argument, DatasetSplit split)
    {
        int question = argument.IndexOf('?');
        string sets = question < 0 ? argument : argument[..question];
        var options = new Dictionary<string, int>
        {
            ["train"] = Glyphs.DefaultTrainPerClass, ["test"] = Glyphs.DefaultTestPerClass, ["size"] = Glyphs.DefaultSize, ["seed"] = 0,
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

    static string RequireDirectory(string spec, string directory) =>
        Directory.Exists(directory) ? directory : throw new CltoolException($"Dataset '{spec}': folder '{directory}' does not exist.");
}
