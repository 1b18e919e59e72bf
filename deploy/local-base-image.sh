#!/bin/sh
# Makes a small Java base image without pulling anything: a jlinked runtime of a local JDK (21+),
# the glibc libraries it links against, and busybox (Debian's busybox-static) for /bin/sh, loaded
# with `docker import`. For machines that cannot reach Docker Hub (air-gapped sites, this
# project's test machines):
#
#   deploy/local-base-image.sh stevedore-base:local [JDK_HOME]
#   docker build -f deploy/Dockerfile --build-arg BASE_IMAGE=stevedore-base:local \
#       --build-arg WORKER_PACKAGES= --target registry -t stevedore-registry .
#
# The worker stage needs runc, git and attr on top (WORKER_PACKAGES installs them with apt-get on a
# Debian base); this image has none of them, so a worker built on it starts but cannot build.
set -eu

tag=${1:?usage: $0 TAG [JDK_HOME]}
jdk=${2:-${JAVA_HOME:?set JAVA_HOME or pass JDK_HOME}}
docker=${DOCKER:-docker}
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' \
    || busybox=/bin/busybox
[ -x "$busybox" ] || { echo "no static busybox (apt-get install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# java.se plus what Spring Boot, Tomcat, the AWS SDK and Micrometer reach for at run time.
"$jdk/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.charsets,jdk.localedata,jdk.management,jdk.management.agent,jdk.management.jfr,jdk.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.httpserver \
    --strip-debug --no-man-pages --no-header-files --output "$root/opt/java"

# Every shared library the runtime links against, plus the NSS modules glibc loads by name.
libs=$(find "$root/opt/java" -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} \; 2>/dev/null \
    | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u)
for lib in $libs /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2; do
    [ -e "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
case "$(uname -m)" in x86_64) mkdir -p "$root/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/" ;; esac
[ -d "$root/usr/lib" ] || mkdir -p "$root/usr/lib"
[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/usr/bin"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"

tar -C "$root" -c . | "$docker" import \
    --change 'ENV PATH=/opt/java/bin:/usr/bin:/bin' \
    --change 'ENV JAVA_HOME=/opt/java' \
    - "$tag" >/dev/null
echo "$tag"
