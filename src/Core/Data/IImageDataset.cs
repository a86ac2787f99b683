using Cltool.Core.Imaging;

namespace Cltool.Core.Data;

/// <summary>
/// A labelled image dataset: random access by index, labels known without decoding. Implementations are safe to
/// call from several threads at once (the data pipeline decodes on worker threads).
/// </summary>
public interface IImageDataset
{
    /// <summary>The spec that opened it, e.g. <c>fashion-mnist</c> or <c>imagefolder:/data/imagenet-r</c>.</summary>
    string Name { get; }
    DatasetSplit Split { get; }
    IReadOnlyList<string> ClassNames { get; }
    int Count { get; }
    /// <summary>False when a mirror image can be another class (letters), so training must not flip.</summary>
    bool FlipInvariant { get; }
    int LabelOf(int index);
    RgbImage Load(int index);
}
