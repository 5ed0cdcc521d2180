"""`manage.py train_suggester`: train the category suggester on the filed cases now and switch to it."""

from django.core.management.base import BaseCommand, CommandError

from cases.suggest.services import NotEnoughHistory, suggester_train


class Command(BaseCommand):
    help = "用已立案案件训练类别推荐模型，并启用新版本（夜间任务同样执行）"

    def handle(self, *args, verbosity: int = 1, **options):
        try:
            version = suggester_train(origin="manual")
        except (NotEnoughHistory, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"类别推荐模型 v{version.pk} 已启用")
                + f"：训练 {version.trained_on} 件，留出检验 {version.held_out} 件，"
                f"首选准确率 {version.top1:.1%}，前三 {version.top3:.1%}；"
                f"确定阈值 {version.sure_threshold:.3f}（留出案件中 {version.sure_share:.0%} 确定，其中正确 {version.sure_precision:.1%}）"
            )
