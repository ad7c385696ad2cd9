"""Public API of rules_upel. Re-exports only; the rules live in bazel/private/."""

load("//bazel:providers.bzl", _UpelBundleInfo = "UpelBundleInfo", _UpelCodegenInfo = "UpelCodegenInfo", _UpelRegistryInfo = "UpelRegistryInfo", _UpelSpecInfo = "UpelSpecInfo", _UpelVerifyInfo = "UpelVerifyInfo")
load("//bazel/private:bundle.bzl", _upel_bundle = "upel_bundle")
load("//bazel/private:codegen.bzl", _upel_codegen = "upel_codegen")
load("//bazel/private:conformance.bzl", _upel_conformance_test = "upel_conformance_test")
load("//bazel/private:registry.bzl", _upel_registry = "upel_registry")
load("//bazel/private:spec.bzl", _upel_spec = "upel_spec")
load("//bazel/private:system.bzl", _upel_system = "upel_system")
load("//bazel/private:verify.bzl", _upel_verify = "upel_verify")

upel_spec = _upel_spec
upel_codegen = _upel_codegen
upel_conformance_test = _upel_conformance_test
upel_verify = _upel_verify
upel_system = _upel_system
upel_registry = _upel_registry
upel_bundle = _upel_bundle

UpelSpecInfo = _UpelSpecInfo
UpelCodegenInfo = _UpelCodegenInfo
UpelVerifyInfo = _UpelVerifyInfo
UpelRegistryInfo = _UpelRegistryInfo
UpelBundleInfo = _UpelBundleInfo
