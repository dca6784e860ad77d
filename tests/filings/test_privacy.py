"""Masking helpers."""

from filings.privacy import mask_certificate, mask_code, mask_mobile


def test_mask_mobile():
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_mobile("") == ""


def test_mask_certificate():
    assert mask_certificate("11010519491231002X") == "**************002X"
    assert mask_certificate("H12345678") == "*****5678"


def test_mask_code_hides_the_code_only():
    text = "【ICP备案短信核验·模拟】您的ICP备案短信核验验证码为012345，24小时内有效。"
    assert mask_code(text) == text.replace("012345", "******")
    notice = "【阿里云】尊敬的用户，您的ICP备案订单ALI-001003已提交至北京市通信管理局。"
    assert mask_code(notice) == notice
