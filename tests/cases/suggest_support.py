"""A small trained category suggester for tests: three categories of the `world`, a few hundred reports."""

import itertools
from types import SimpleNamespace

import pytest

from cases.suggest.model import Sample
from cases.suggest.services import suggester_train
from dispatch.models import Category
from tests.factories import CategoryFactory

WHERE = ("", "小区门口", "路口东侧", "学校门口", "公交站旁边", "人行道上", "楼下", "菜市场附近")
TAIL = ("", "，请尽快处理", "，已拍照", "，影响市容", "，好几天了")
GARBAGE = (
    "有一堆生活垃圾没人清理",
    "垃圾袋扔在绿化带里",
    "垃圾散落一地",
    "墙角堆着几袋垃圾",
    "剩饭剩菜倒在路边",
)
COVER = ("下水井盖丢了", "污水井盖破损", "井盖松动，车一过就响", "污水井的盖子碎了", "井盖下沉")
STALLS = ("有人摆摊卖菜", "小商贩占道经营", "摆满了水果摊", "早点摊占着人行道", "地摊卖衣服")
VAGUE = ("来电人反映问题", "现场有问题请核实", "情况见照片")  # says nothing: any category, as in real reports


def samples(world, stalls: Category) -> list[Sample]:
    found = []
    for n, (where, tail) in enumerate(itertools.product(WHERE, TAIL)):
        for category, phrases in ((world.event_cat, GARBAGE), (world.component_cat, COVER), (stalls, STALLS)):
            text = f"{where}{phrases[n % len(phrases)]}{tail}"
            found.append(Sample(f"{category.pk}-{n}", text, category.pk, world.grid.pk, None))
    for n, (text, category) in enumerate(
        itertools.product(VAGUE, [world.event_cat, world.component_cat, stalls] * 3)
    ):
        found.append(Sample(f"vague-{n}", text, category.pk, world.grid.pk, None))
    return found


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.SUGGEST_MODEL_DIR = tmp_path / "suggest-models"
    return settings.SUGGEST_MODEL_DIR


@pytest.fixture
def suggester(world, model_dir):
    """`world` plus 占道经营 and an active suggester trained on the three categories."""
    stalls = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="09", major_name="街面秩序类", name="占道经营"
    )
    data = samples(world, stalls)
    version = suggester_train(origin="manual", samples=data)
    return SimpleNamespace(version=version, stalls=stalls, samples=data)
