"""The deploy's first steps: the checks (and the promotion gate), the release created and
built on every host from its mirror, or, for --dry-run, a throwaway preview of it."""

from __future__ import annotations

import secrets

from .. import history, hooks
from ..checks import predeploy
from ..checks import promotion_gate as promotion
from ..errors import DeployError, UsageError
from ..releases import mirror, worktree
from ..releases.worktree import Release
from ..remote import compose as compose_commands
from ..remote.run import checked


class ReleaseSteps:
    """Part of ``Deployment``: the steps before the database moves."""

    def check(self) -> None:
        self.promote()
        if self.skip_checks:
            return
        report = predeploy.run(
            self.environment,
            lambda spec: self.hosts[spec.name],
            close=False,
            source=self.promotion_source,
        )
        failed = [
            (f"{h.host}: {c.name} ({c.detail})", c.repairable)
            for h in report.hosts
            for c in h.checks
            if c.status == "fail" and c.name not in ("lock", "promotion")  # gated by promote()
        ]
        if not failed:
            return
        message = "pre-deploy checks failed: " + "; ".join(text for text, _ in failed[:5])
        if not all(repairable for _, repairable in failed):
            raise DeployError(message)
        self.drift = message  # schema drift: the rehearsal says whether the migrations repair it

    def promote(self) -> None:
        """The promotion gate, for the commit ``ref`` names (before anything is fetched)."""
        if self.promotion_source is None:
            return
        listing = self.primary.run(promotion.ls_remote(self.environment.repository)).stdout
        commit = promotion.resolve(self.ref, listing)
        message = promotion.gate(
            self.environment, self.promotion_source, commit, self.force_promotion
        )
        if message and not self.dry_run:
            event = history.Event("override", "success", self.environment.name, message=message)
            history.record(self.primary, self.primary_layout, event)

    def create_release(self) -> None:
        """Two round trips per host: fetch (and resolve on the primary), then create and build."""
        self._name_release()
        env = self.environment

        def create(name, host) -> None:
            layout = self.layout(name)
            path, commands = layout.release(self.release.name), env.hooks.get("before_build", ())
            hook = hooks.steps("before_build", commands, path, self.moment(name), env.env_file)
            script = worktree.create_and_build(
                layout, self.release, env.shared, env.build, env.env_file, hook, env.compose
            )
            output = checked(host, script, "creating the release")
            if host is self.primary and env.compose is not None:
                self.image = compose_commands.parse_image(output)

        self.each(create)

    def preview_release(self) -> None:
        """--dry-run: the new release's code in a throwaway folder on the primary, for the plan."""
        self._name_release()
        env, layout = self.environment, self.primary_layout
        self.preview = layout.preview(secrets.token_hex(4))
        script = worktree.preview(
            layout,
            self.preview,
            self.release.commit,
            env.shared,
            env.build,
            env.env_file,
            env.compose,
        )
        checked(self.primary, script, "preparing a preview of the release")

    def _name_release(self) -> None:
        """Every host fetched and listed (in inventory order); the release of the commit
        ``ref`` names, as the primary resolved it, if it is on the environment's branch."""
        env = self.environment

        def fetch(name, host) -> mirror.Fetched:
            ref = self.ref if host is self.primary else None
            return mirror.fetch(host, self.layout(name), env.repository, ref, env.branch)

        fetched = dict(zip(self.hosts, self.each(fetch), strict=True))
        self.listings = {name: answer.listing for name, answer in fetched.items()}
        self.moved = {n: a.moved_from for n, a in fetched.items() if a.moved_from}
        answer = fetched[env.primary.name]
        if answer.commit is None:
            raise UsageError(f"{self.ref} names no commit in {env.repository}")
        if not answer.on_branch:
            raise DeployError(
                f"{self.ref} ({answer.commit[:7]}) is not on {env.branch}, the only "
                f"branch {env.name} deploys from"
            )
        self.release = Release.new(answer.commit)

    def remove_preview(self) -> None:
        if self.preview is not None:
            self.primary.run(worktree.remove_preview(self.preview, self.environment.compose))
            self.preview = None

    def remove_release(self) -> None:
        if self.release is None:
            return
        self.each(
            lambda name, host: (
                host.run(
                    worktree.remove(self.layout(name), self.release.name, self.environment.compose)
                )
                if name not in self.switched
                else None
            )
        )
