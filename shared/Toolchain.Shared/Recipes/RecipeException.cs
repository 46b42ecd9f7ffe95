namespace Toolchain.Recipes;

/// <summary>A recipe that cannot be used; the message names the file and every key at fault.</summary>
public sealed class RecipeException(string message, Exception? inner = null) : Exception(message, inner);
