/**
 * The ground floor of the build service: file-system helpers that the build context, layers,
 * sandbox, engine and worker all use, depending on nothing else of the build service.
 * {@link io.stevedore.builder.files.RootPaths} resolves in-image paths inside a root directory,
 * {@link io.stevedore.builder.files.FileTrees} removes whole trees without following symlinks, and
 * {@link io.stevedore.builder.files.PosixMetadata} reads and sets owner, mode and times.
 */
package io.stevedore.builder.files;
