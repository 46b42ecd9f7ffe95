namespace Toolchain.Export.Variants;

/// <summary>One file a variant export wrote into the version folder, with its measured figures.</summary>
public sealed record VariantFile(
    ModelVariant Variant,
    string Format,
    string FileName,
    long Bytes,
    string Sha256,
    double TestAccuracy,
    int TestSamples,
    VariantAgreement Agreement);
